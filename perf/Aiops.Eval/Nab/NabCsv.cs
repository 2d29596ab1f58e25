using System.Globalization;

namespace Aiops.Eval.Nab;

/// <summary>A bad cell in an input CSV: where it is and what is wrong.</summary>
public sealed record NabCsvError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>
/// Reads the NAB CSV layouts (<c>timestamp,value</c> and <c>timestamp,...,anomaly_score</c>).
/// A bad row is reported with file, line and column and skipped; the rows around it are kept.
/// </summary>
public static class NabCsv
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
        "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.FFFFFFFZ",
    ];

    /// <summary>Parses a NAB timestamp (UTC, optional fraction, optional <c>T</c>/<c>Z</c>).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTime value) =>
        DateTime.TryParseExact(text.Trim(), TimestampFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);

    /// <summary>
    /// Reads a CSV with a header; returns the raw timestamp text, the parsed timestamp and the value of
    /// the column named <paramref name="valueColumn"/> for every good row.
    /// </summary>
    public static NabSeries Read(string path, string valueColumn, List<NabCsvError> errors)
    {
        var rawTimestamps = new List<string>();
        var timestamps = new List<DateTime>();
        var values = new List<double>();
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null)
        {
            errors.Add(new NabCsvError(path, 1, 1, "empty file: expected a header line"));
            return new NabSeries(path, [], [], []);
        }

        string[] columns = header.Split(',');
        int tsIndex = Array.FindIndex(columns, c => c.Trim() == "timestamp");
        int valueIndex = Array.FindIndex(columns, c => c.Trim() == valueColumn);
        if (tsIndex < 0 || valueIndex < 0)
        {
            errors.Add(new NabCsvError(path, 1, 1,
                $"header '{header}' lacks column '{(tsIndex < 0 ? "timestamp" : valueColumn)}'"));
            return new NabSeries(path, [], [], []);
        }

        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] cells = line.Split(',');
            if (cells.Length <= Math.Max(tsIndex, valueIndex))
            {
                errors.Add(new NabCsvError(path, lineNo, line.Length + 1,
                    $"expected {columns.Length} columns, found {cells.Length}"));
                continue;
            }

            if (!TryParseTimestamp(cells[tsIndex], out DateTime ts))
            {
                errors.Add(new NabCsvError(path, lineNo, ColumnOf(cells, tsIndex),
                    $"bad timestamp '{cells[tsIndex]}'"));
                continue;
            }

            if (!double.TryParse(cells[valueIndex], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                || !double.IsFinite(v))
            {
                errors.Add(new NabCsvError(path, lineNo, ColumnOf(cells, valueIndex),
                    $"bad {valueColumn} '{cells[valueIndex]}'"));
                continue;
            }

            rawTimestamps.Add(cells[tsIndex]);
            timestamps.Add(ts);
            values.Add(v);
        }

        return new NabSeries(path, [.. rawTimestamps], [.. timestamps], [.. values]);
    }

    private static int ColumnOf(string[] cells, int index)
    {
        int column = 1;
        for (int i = 0; i < index; i++)
        {
            column += cells[i].Length + 1;
        }

        return column;
    }
}

/// <summary>One parsed CSV: timestamps (raw text and UTC) and the chosen value column, row by row.</summary>
public sealed record NabSeries(string Path, string[] RawTimestamps, DateTime[] Timestamps, double[] Values);
