using System.Globalization;
using System.Text;

namespace Aiops.Eval.Threshold;

/// <summary>One entry of <c>manifest.csv</c> (DESIGN §9.2): a series file, its metric and threshold.</summary>
public sealed record ManifestEntry(string File, string Metric, double Threshold);

/// <summary>A loaded series: timestamps (Unix ms, strictly increasing) and values.</summary>
public sealed record SeriesData(ManifestEntry Entry, long[] Times, double[] Values)
{
    /// <summary>First-to-last span in days (the "series-days" of §9.2).</summary>
    public double SpanDays => Times.Length < 2 ? 0 : (Times[^1] - Times[0]) / 86_400_000.0;
}

/// <summary>One prediction row (DESIGN §9.2); <see cref="Crossing"/> is null for a withdrawal.</summary>
public sealed record PredictionRow(string File, long AlertTime, long? Crossing, long? Low, long? High, double? Probability);

/// <summary>
/// Readers and writers for the §9.2 threshold layout. Bad rows are reported with file, line and column
/// and skipped; the good rows around them are kept.
/// </summary>
public static class ThresholdData
{
    /// <summary>Errors found while reading (file:line:column: message); capped so a garbage file cannot flood memory.</summary>
    public sealed class ErrorLog
    {
        private const int MaxKept = 200;
        private readonly List<string> _errors = [];
        private int _count;

        public int Count => _count;
        public IReadOnlyList<string> Kept => _errors;

        public void Add(string file, int line, int column, string message)
        {
            lock (_errors)
            {
                _count++;
                if (_errors.Count < MaxKept)
                {
                    _errors.Add($"{file}:{line}:{column}: {message}");
                }
            }
        }
    }

    public static List<ManifestEntry> ReadManifest(string dir, ErrorLog errors)
    {
        string path = Path.Combine(dir, "manifest.csv");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: manifest.csv not found (expected columns file,metric,threshold)", path);
        }

        var entries = new List<ManifestEntry>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(',');
            if (lineNo == 1 && parts[0].Trim().Equals("file", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (parts.Length != 3)
            {
                errors.Add(path, lineNo, 1, $"expected 3 columns file,metric,threshold, found {parts.Length}");
                continue;
            }

            if (!double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double thr) || !double.IsFinite(thr))
            {
                errors.Add(path, lineNo, parts[0].Length + parts[1].Length + 3, $"threshold '{parts[2]}' is not a number");
                continue;
            }

            entries.Add(new ManifestEntry(parts[0].Trim(), parts[1].Trim(), thr));
        }

        return entries;
    }

    /// <summary>Reads a <c>timestamp,value</c> file. Rows out of time order or duplicated are skipped and reported (no look-back rewrite).</summary>
    public static SeriesData ReadSeries(string dir, ManifestEntry entry, ErrorLog errors)
    {
        string path = Path.Combine(dir, entry.File);
        var times = new List<long>(16_384);
        var values = new List<double>(16_384);
        if (!File.Exists(path))
        {
            // One missing file must not sink the other series of the set.
            errors.Add(path, 0, 0, "file listed in manifest.csv not found; series skipped");
            return new SeriesData(entry, [], []);
        }

        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            int comma = line.IndexOf(',');
            if (comma < 0)
            {
                errors.Add(path, lineNo, 1, "expected 2 columns timestamp,value");
                continue;
            }

            ReadOnlySpan<char> ts = line.AsSpan(0, comma);
            ReadOnlySpan<char> vs = line.AsSpan(comma + 1);
            if (!TryParseTime(ts, out long t))
            {
                if (lineNo == 1)
                {
                    continue; // header
                }

                errors.Add(path, lineNo, 1, $"timestamp '{ts}' is not ISO-8601 UTC");
                continue;
            }

            if (!double.TryParse(vs, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            {
                errors.Add(path, lineNo, comma + 2, $"value '{vs}' is not a finite number");
                continue;
            }

            if (times.Count > 0 && t <= times[^1])
            {
                errors.Add(path, lineNo, 1, "timestamp not after the previous row; row skipped");
                continue;
            }

            times.Add(t);
            values.Add(v);
        }

        return new SeriesData(entry, [.. times], [.. values]);
    }

    /// <summary>
    /// Parses <c>yyyy-MM-ddTHH:mm:ss[.fff]Z</c> quickly (millions of rows), falling back to the framework parser
    /// for other ISO-8601 forms (offsets are converted to UTC).
    /// </summary>
    public static bool TryParseTime(ReadOnlySpan<char> s, out long unixMs)
    {
        s = s.Trim();
        if (s.Length == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z'
            && TryDigits(s, 0, 4, out int y) && TryDigits(s, 5, 2, out int mo) && TryDigits(s, 8, 2, out int d)
            && TryDigits(s, 11, 2, out int h) && TryDigits(s, 14, 2, out int mi) && TryDigits(s, 17, 2, out int se)
            && mo is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, mo) && h < 24 && mi < 60 && se < 60)
        {
            unixMs = (long)(new DateTime(y, mo, d, h, mi, se, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalMilliseconds;
            return true;
        }

        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset dto)
            && s.Length >= 10 && char.IsAsciiDigit(s[0]))
        {
            unixMs = dto.ToUnixTimeMilliseconds();
            return true;
        }

        unixMs = 0;
        return false;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            int c = s[i] - '0';
            if ((uint)c > 9)
            {
                return false;
            }

            value = value * 10 + c;
        }

        return true;
    }

    public static string FormatTime(long unixMs)
    {
        var dt = DateTime.UnixEpoch.AddMilliseconds(unixMs);
        return dt.Millisecond == 0
            ? dt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : dt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    public const string PredictionHeader = "file,alert_time,predicted_crossing_time,low,high,probability";

    public static void AppendPrediction(StringBuilder sb, PredictionRow row)
    {
        sb.Append(row.File).Append(',').Append(FormatTime(row.AlertTime)).Append(',');
        if (row.Crossing is long c)
        {
            sb.Append(FormatTime(c)).Append(',')
              .Append(row.Low is long lo ? FormatTime(lo) : "").Append(',')
              .Append(row.High is long hi ? FormatTime(hi) : "").Append(',')
              .Append(row.Probability is double p ? p.ToString("0.###", CultureInfo.InvariantCulture) : "");
        }
        else
        {
            sb.Append(",,,");
        }

        sb.Append('\n');
    }

    /// <summary>Reads a predictions CSV; bad rows are reported (file, line, column) and skipped.</summary>
    public static List<PredictionRow> ReadPredictions(string path, ErrorLog errors)
    {
        var rows = new List<PredictionRow>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("file,", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string[] p = line.Split(',');
            if (p.Length != 6)
            {
                errors.Add(path, lineNo, 1, $"expected 6 columns ({PredictionHeader}), found {p.Length}");
                continue;
            }

            int col = p[0].Length + 2;
            if (!TryParseTime(p[1], out long alert))
            {
                errors.Add(path, lineNo, col, $"alert_time '{p[1]}' is not ISO-8601");
                continue;
            }

            col += p[1].Length + 1;
            if (p[2].Length == 0)
            {
                rows.Add(new PredictionRow(p[0], alert, null, null, null, null));
                continue;
            }

            if (!TryParseTime(p[2], out long crossing))
            {
                errors.Add(path, lineNo, col, $"predicted_crossing_time '{p[2]}' is not ISO-8601");
                continue;
            }

            col += p[2].Length + 1;
            long? low = null, high = null;
            if (p[3].Length > 0)
            {
                if (!TryParseTime(p[3], out long l))
                {
                    errors.Add(path, lineNo, col, $"low '{p[3]}' is not ISO-8601");
                    continue;
                }

                low = l;
            }

            col += p[3].Length + 1;
            if (p[4].Length > 0)
            {
                if (!TryParseTime(p[4], out long h))
                {
                    errors.Add(path, lineNo, col, $"high '{p[4]}' is not ISO-8601");
                    continue;
                }

                high = h;
            }

            col += p[4].Length + 1;
            double? prob = null;
            if (p[5].Length > 0)
            {
                if (!double.TryParse(p[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double pr))
                {
                    errors.Add(path, lineNo, col, $"probability '{p[5]}' is not a number");
                    continue;
                }

                prob = pr;
            }

            rows.Add(new PredictionRow(p[0], alert, crossing, low, high, prob));
        }

        return rows;
    }
}
