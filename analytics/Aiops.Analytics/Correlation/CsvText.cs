using System.Text;

namespace Aiops.Analytics.Correlation;

/// <summary>Minimal RFC 4180 helpers for the one-record-per-line CSV files of the CMDB and events.</summary>
/// <remarks>Quoted fields may hold commas and doubled quotes but not line breaks: every file here is one
/// record per line, which keeps errors reportable by line.</remarks>
public static class CsvText
{
    /// <summary>Splits one line; returns false (with the 1-based column) on an unterminated quote.</summary>
    public static bool TrySplit(string line, List<string> fields, out int errorColumn)
    {
        fields.Clear();
        errorColumn = 0;
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                var open = i;
                i++;
                while (true)
                {
                    if (i >= line.Length) { errorColumn = open + 1; return false; }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',') { errorColumn = i + 1; return false; }
            }
            else
            {
                var end = line.IndexOf(',', i);
                if (end < 0) end = line.Length;
                sb.Append(line, i, end - i);
                i = end;
            }
            fields.Add(sb.ToString());
            if (i >= line.Length) return true;
            i++; // the comma
        }
    }

    /// <summary>Quotes a field when it holds a comma, quote or line break.</summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
