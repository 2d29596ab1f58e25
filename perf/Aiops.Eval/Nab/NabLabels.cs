using System.Text.Json;

namespace Aiops.Eval.Nab;

/// <summary>NAB anomaly windows per file, keyed by <c>&lt;category&gt;/&lt;file&gt;.csv</c>.</summary>
public sealed class NabLabels
{
    private readonly Dictionary<string, (DateTime Start, DateTime End)[]> _windows;

    public NabLabels(Dictionary<string, (DateTime Start, DateTime End)[]> windows) => _windows = windows;

    /// <summary>Every labelled file key.</summary>
    public IEnumerable<string> Files => _windows.Keys;

    /// <summary>Total number of windows over every labelled file (NAB's perfect-score count).</summary>
    public int WindowCount => _windows.Values.Sum(w => w.Length);

    public bool TryGetWindows(string file, out (DateTime Start, DateTime End)[] windows) =>
        _windows.TryGetValue(file, out windows!);

    /// <summary>Loads <c>combined_windows.json</c>; a malformed entry names the file key and the window.</summary>
    public static NabLabels Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        var result = new Dictionary<string, (DateTime, DateTime)[]>(StringComparer.Ordinal);
        foreach (var file in doc.RootElement.EnumerateObject())
        {
            var list = new List<(DateTime, DateTime)>();
            int n = 0;
            foreach (var pair in file.Value.EnumerateArray())
            {
                n++;
                if (pair.GetArrayLength() != 2
                    || !NabCsv.TryParseTimestamp(pair[0].GetString(), out DateTime start)
                    || !NabCsv.TryParseTimestamp(pair[1].GetString(), out DateTime end))
                {
                    throw new FormatException($"{path}: '{file.Name}' window {n}: expected [start, end] timestamps");
                }

                list.Add((start, end));
            }

            result[file.Name] = [.. list];
        }

        return new NabLabels(result);
    }
}
