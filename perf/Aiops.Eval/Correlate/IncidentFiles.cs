using System.Text.Json;
using Aiops.Analytics.Correlation;

namespace Aiops.Eval.Correlate;

/// <summary>One incident of the §9.3 output JSON.</summary>
public sealed record IncidentRecord(
    string Id,
    string? RootCi,
    IReadOnlyList<string> RootCandidates,
    IReadOnlyList<string> Events,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ResolvedAt);

/// <summary>Reads/writes <c>{"incidents":[{"id","root_ci","root_candidates","events","opened_at","resolved_at"}]}</c>.</summary>
public static class IncidentsJson
{
    public static void Write(string path, IEnumerable<IncidentRecord> incidents)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteStartArray("incidents");
        foreach (var i in incidents)
        {
            w.WriteStartObject();
            w.WriteString("id", i.Id);
            if (i.RootCi is null) w.WriteNull("root_ci"); else w.WriteString("root_ci", i.RootCi);
            w.WriteStartArray("root_candidates");
            foreach (var c in i.RootCandidates) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteStartArray("events");
            foreach (var e in i.Events) w.WriteStringValue(e);
            w.WriteEndArray();
            WriteTime(w, "opened_at", i.OpenedAt);
            WriteTime(w, "resolved_at", i.ResolvedAt);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? t)
    {
        if (t is null) w.WriteNull(name); else w.WriteString(name, EventCsv.FormatTime(t.Value));
    }

    /// <summary>Reads an incidents file; a malformed incident throws naming its index and the key at fault.</summary>
    public static List<IncidentRecord> Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!doc.RootElement.TryGetProperty("incidents", out var arr) || arr.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{path}: expected {{\"incidents\":[...]}}");
        var list = new List<IncidentRecord>();
        var n = 0;
        foreach (var e in arr.EnumerateArray())
        {
            n++;
            string Need(string key) => e.TryGetProperty(key, out var v) ? v.ToString() : throw new FormatException($"{path}: incident #{n} lacks \"{key}\"");
            List<string> Strings(string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array
                ? [.. v.EnumerateArray().Select(x => x.ToString())]
                : throw new FormatException($"{path}: incident #{n} \"{key}\" must be an array");
            DateTimeOffset? Time(string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;
            var root = e.TryGetProperty("root_ci", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            list.Add(new IncidentRecord(Need("id"), root, Strings("root_candidates"), Strings("events"), Time("opened_at"), Time("resolved_at")));
        }
        return list;
    }
}

/// <summary>
/// Ground truth file <c>truth.csv</c>: header <c>record,id,value</c>; rows <c>event,&lt;event id&gt;,&lt;fault id or empty for noise&gt;</c>
/// and <c>fault,&lt;fault id&gt;,&lt;true root CI&gt;</c>.
/// </summary>
public sealed record GroundTruth(IReadOnlyDictionary<string, string?> FaultOfEvent, IReadOnlyDictionary<string, string> RootOfFault)
{
    public void Write(string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("record,id,value");
        foreach (var (f, root) in RootOfFault.OrderBy(x => x.Key, StringComparer.Ordinal)) w.WriteLine($"fault,{CsvText.Escape(f)},{CsvText.Escape(root)}");
        foreach (var (e, f) in FaultOfEvent) w.WriteLine($"event,{CsvText.Escape(e)},{CsvText.Escape(f)}");
    }

    public static GroundTruth Read(string path)
    {
        var events = new Dictionary<string, string?>(StringComparer.Ordinal);
        var faults = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new List<string>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0 || lineNo == 1 && line.StartsWith("record,", StringComparison.Ordinal)) continue;
            if (!CsvText.TrySplit(line, fields, out var col) || fields.Count < 3)
                throw new FormatException($"{path}:{lineNo}:{Math.Max(col, 1)}: expected record,id,value");
            switch (fields[0])
            {
                case "event": events[fields[1]] = fields[2].Length == 0 ? null : fields[2]; break;
                case "fault": faults[fields[1]] = fields[2]; break;
                default: throw new FormatException($"{path}:{lineNo}:1: unknown record '{fields[0]}' (event|fault)");
            }
        }
        return new GroundTruth(events, faults);
    }
}
