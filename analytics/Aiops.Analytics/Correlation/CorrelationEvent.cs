using System.Globalization;

namespace Aiops.Analytics.Correlation;

/// <summary>What an event reports (DESIGN §9.3 <c>kind</c>).</summary>
public enum EventKind
{
    /// <summary>A detector flagged a series as anomalous.</summary>
    Anomaly,

    /// <summary>A forecaster predicts a threshold crossing.</summary>
    Prediction,

    /// <summary>The CI is unreachable / down; weighs more than an anomaly.</summary>
    Down,
}

/// <summary>An anomaly, prediction or down event on one CI, keyed by event time (never wall clock).</summary>
/// <param name="Score">Detector score in [0,1].</param>
public sealed record CorrelationEvent(string Id, DateTimeOffset Time, string Ci, string Series, double Score, EventKind Kind);

/// <summary>Reads and writes the events CSV <c>id,time,ci,series,score,kind</c> (DESIGN §9.3).</summary>
public static class EventCsv
{
    public const string Header = "id,time,ci,series,score,kind";

    public static string KindToWire(EventKind kind) => kind switch
    {
        EventKind.Anomaly => "anomaly",
        EventKind.Prediction => "prediction",
        EventKind.Down => "down",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParseKind(string text, out EventKind kind)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "anomaly": kind = EventKind.Anomaly; return true;
            case "prediction": kind = EventKind.Prediction; return true;
            case "down": kind = EventKind.Down; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>
    /// Reads every good row; each bad row becomes an error "source:line:column: what" and is skipped.
    /// Rows are returned in file order (the caller decides what to do with out-of-order times).
    /// </summary>
    public static List<CorrelationEvent> Read(TextReader reader, string source, List<string> errors)
    {
        var events = new List<CorrelationEvent>();
        var fields = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? line;
        var lineNo = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("id,", StringComparison.OrdinalIgnoreCase))) continue;
            if (!CsvText.TrySplit(line, fields, out var qcol)) { errors.Add($"{source}:{lineNo}:{qcol}: unterminated or misplaced quote (row skipped)"); continue; }
            if (fields.Count < 6) { errors.Add($"{source}:{lineNo}:1: expected 6 fields id,time,ci,series,score,kind, got {fields.Count} (row skipped)"); continue; }
            int Col(int field) { var c = 1; for (var i = 0; i < field; i++) c += fields[i].Length + 1; return c; }
            if (fields[0].Length == 0) { errors.Add($"{source}:{lineNo}:1: empty id (row skipped)"); continue; }
            if (!DateTimeOffset.TryParse(fields[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            { errors.Add($"{source}:{lineNo}:{Col(1)}: bad time '{fields[1]}' (ISO-8601 expected; row skipped)"); continue; }
            if (fields[2].Length == 0) { errors.Add($"{source}:{lineNo}:{Col(2)}: empty ci (row skipped)"); continue; }
            if (!double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || double.IsNaN(score))
            { errors.Add($"{source}:{lineNo}:{Col(4)}: bad score '{fields[4]}' (row skipped)"); continue; }
            if (!TryParseKind(fields[5], out var kind))
            { errors.Add($"{source}:{lineNo}:{Col(5)}: unknown kind '{fields[5]}' (anomaly|prediction|down; row skipped)"); continue; }
            if (!ids.Add(fields[0])) { errors.Add($"{source}:{lineNo}:1: duplicate event id '{fields[0]}' (row skipped)"); continue; }
            events.Add(new CorrelationEvent(fields[0], time, fields[2], fields[3], Math.Clamp(score, 0, 1), kind));
        }
        return events;
    }

    public static void Write(TextWriter writer, IEnumerable<CorrelationEvent> events)
    {
        writer.WriteLine(Header);
        foreach (var e in events)
            writer.WriteLine(string.Join(',', CsvText.Escape(e.Id), FormatTime(e.Time), CsvText.Escape(e.Ci),
                CsvText.Escape(e.Series), e.Score.ToString("0.###", CultureInfo.InvariantCulture), KindToWire(e.Kind)));
    }

    /// <summary>ISO-8601 UTC with a Z suffix, seconds precision when whole.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString(t.Millisecond == 0 ? "yyyy-MM-ddTHH:mm:ssZ" : "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
