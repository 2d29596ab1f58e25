namespace Aiops.Eval.Threshold;

/// <summary>
/// The §9.2 baselines. <c>predict_linear</c>: from 6 h of history on, a least-squares line over the last 6 h
/// (at least 3 samples); alert when its upward crossing lies within the next 4 h; at most one alert per hour
/// per file. <c>predict_linear+level</c>: the same, only while the value is above threshold − 15.
/// They give no interval (coverage is reported as n/a).
/// </summary>
public static class Baselines
{
    public const long HistoryMs = 6 * 3_600_000;
    public const long LookAheadMs = 4 * 3_600_000;
    public const long MinGapMs = 3_600_000;
    public const double LevelMargin = 15;

    public static List<ScoredAlert> PredictLinear(ReadOnlySpan<long> times, ReadOnlySpan<double> values, double threshold, bool levelGate)
    {
        var alerts = new List<ScoredAlert>();
        if (times.Length == 0)
        {
            return alerts;
        }

        // Sliding-window sums over x = hours since the first sample; O(1) per sample. Values are
        // percentages and windows hold at most a few thousand points, so plain double sums are exact enough.
        long origin = times[0];
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int head = 0;
        long lastAlert = long.MinValue;
        for (int i = 0; i < times.Length; i++)
        {
            double x = (times[i] - origin) / 3_600_000.0;
            double y = values[i];
            sx += x; sy += y; sxx += x * x; sxy += x * y;
            while (times[head] < times[i] - HistoryMs)
            {
                double hx = (times[head] - origin) / 3_600_000.0;
                double hy = values[head];
                sx -= hx; sy -= hy; sxx -= hx * hx; sxy -= hx * hy;
                head++;
            }

            int n = i - head + 1;
            if (times[i] - origin < HistoryMs || n < 3)
            {
                continue;
            }

            if (levelGate && values[i] <= threshold - LevelMargin)
            {
                continue;
            }

            if (lastAlert != long.MinValue && times[i] - lastAlert < MinGapMs)
            {
                continue;
            }

            double den = n * sxx - sx * sx;
            if (den <= 1e-12)
            {
                continue;
            }

            double slope = (n * sxy - sx * sy) / den;
            if (slope <= 0)
            {
                continue;
            }

            double intercept = (sy - slope * sx) / n;
            double crossX = (threshold - intercept) / slope;
            double nowX = x;
            if (crossX > nowX && crossX <= nowX + LookAheadMs / 3_600_000.0)
            {
                long predicted = origin + (long)(crossX * 3_600_000.0);
                alerts.Add(new ScoredAlert(times[i], predicted, null, null));
                lastAlert = times[i];
            }
        }

        return alerts;
    }
}
