using System.Globalization;
using System.Text;

namespace Aiops.Eval.Threshold;

/// <summary>Behaviours the generator mixes; written to <c>labels.csv</c> so results can be broken down.</summary>
public enum ScenarioKind
{
    LinearLeak,
    AcceleratingLeak,
    StepGrowth,
    RestartLeak,
    CachePlateau,
    Spikes,
    SeasonalGrowing,
    SeasonalStable,
    SawtoothBelow,
    SawtoothGrowing,
    Flat,
    StepPlateau,
}

/// <summary>Options of <c>threshold generate</c>. Defaults: 500 series, 7 days, seed 42, ~1-minute sampling.</summary>
public sealed record GeneratorOptions(int Series = 500, double Days = 7, int Seed = 42);

/// <summary>
/// Seeded, reproducible synthetic data in the §9.2 layout. Each series draws its behaviour, its sampling
/// (regular with jitter, faster/slower, or irregular), gaps, white and autocorrelated noise from its own
/// <see cref="Random"/> seeded by (seed, index), so the output does not depend on thread scheduling.
/// Roughly 40 % of the series are built to cross; the rest are hard negatives (plateaus near the threshold,
/// spikes, sawtooth, seasonality, restarts).
/// </summary>
public static class ScenarioGenerator
{
    private static readonly (ScenarioKind Kind, double Weight)[] Mix =
    [
        (ScenarioKind.LinearLeak, 12), (ScenarioKind.AcceleratingLeak, 8), (ScenarioKind.StepGrowth, 8),
        (ScenarioKind.RestartLeak, 9), (ScenarioKind.CachePlateau, 10), (ScenarioKind.Spikes, 9),
        (ScenarioKind.SeasonalGrowing, 8), (ScenarioKind.SeasonalStable, 8), (ScenarioKind.SawtoothBelow, 8),
        (ScenarioKind.SawtoothGrowing, 6), (ScenarioKind.Flat, 9), (ScenarioKind.StepPlateau, 5),
    ];

    private static readonly DateTime Epoch = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    public static void Generate(string outDir, GeneratorOptions options, Action<int>? progress = null)
    {
        Directory.CreateDirectory(outDir);
        var manifest = new string[options.Series];
        var labels = new string[options.Series];
        int done = 0;
        Parallel.For(0, options.Series, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            // HashCode.Combine is randomised per process; a fixed mix keeps the set identical on every run and machine.
            var rng = new Random(SeriesSeed(options.Seed, i));
            string file = $"s{i:D4}.csv";
            (string metric, double thr, ScenarioKind kind, double? planned) = WriteSeries(Path.Combine(outDir, file), options, rng);
            manifest[i] = string.Create(CultureInfo.InvariantCulture, $"{file},{metric},{thr}");
            labels[i] = string.Create(CultureInfo.InvariantCulture, $"{file},{kind},{(planned is double p ? p.ToString("0.##", CultureInfo.InvariantCulture) : "")}");
            progress?.Invoke(Interlocked.Increment(ref done));
        });

        File.WriteAllLines(Path.Combine(outDir, "manifest.csv"), ["file,metric,threshold", .. manifest]);
        File.WriteAllLines(Path.Combine(outDir, "labels.csv"), ["file,kind,planned_crossing_hours", .. labels]);
    }

    /// <summary>A deterministic per-series seed (SplitMix64 finaliser over seed and index).</summary>
    public static int SeriesSeed(int seed, int index)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ (uint)index ^ 0x5eedUL) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    private static ScenarioKind Draw(Random rng)
    {
        double total = Mix.Sum(m => m.Weight);
        double u = rng.NextDouble() * total;
        foreach ((ScenarioKind k, double w) in Mix)
        {
            if ((u -= w) < 0)
            {
                return k;
            }
        }

        return ScenarioKind.Flat;
    }

    private static double U(Random rng, double a, double b) => a + (b - a) * rng.NextDouble();

    private static double Gauss(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static (string Metric, double Thr, ScenarioKind Kind, double? Planned) WriteSeries(string path, GeneratorOptions o, Random rng)
    {
        ScenarioKind kind = Draw(rng);
        double hours = o.Days * 24 * (rng.NextDouble() < 0.2 ? U(rng, 0.5, 1.0) : 1.0);
        (string metric, double thr) = kind switch
        {
            ScenarioKind.StepGrowth or ScenarioKind.SawtoothBelow or ScenarioKind.SawtoothGrowing or ScenarioKind.StepPlateau => ("disk.used_percent", 90.0),
            ScenarioKind.Spikes or ScenarioKind.SeasonalGrowing or ScenarioKind.SeasonalStable => ("cpu.usage_active", 95.0),
            ScenarioKind.Flat => rng.Next(3) switch { 0 => ("disk.used_percent", 90.0), 1 => ("cpu.usage_active", 95.0), _ => ("mem.used_percent", 95.0) },
            _ => ("mem.used_percent", 95.0),
        };
        bool disk = metric.StartsWith("disk", StringComparison.Ordinal);
        bool cpu = metric.StartsWith("cpu", StringComparison.Ordinal);

        // Noise: white + AR(1). CPU is noisier than memory, disk is nearly smooth.
        double white = disk ? U(rng, 0.02, 0.25) : cpu ? U(rng, 0.8, 2.5) : U(rng, 0.15, 1.0);
        double arSd = disk ? 0.05 : U(rng, 0.1, 0.8);
        double arPhi = 0.97;

        // The planned crossing: mostly inside the data, some beyond the end (a slow leak that never gets there).
        double PlanCrossing(double start) => start + U(rng, 6, Math.Max(8, (hours - start) * 1.25));

        double? planned = null;
        Func<double, double> f;
        switch (kind)
        {
            case ScenarioKind.LinearLeak:
            {
                double b = U(rng, 25, 65), t0 = U(rng, 0, hours * 0.5), tc = PlanCrossing(t0);
                double r = (thr - b) / (tc - t0);
                planned = tc;
                f = t => b + r * Math.Max(0, t - t0);
                break;
            }

            case ScenarioKind.AcceleratingLeak:
            {
                double b = U(rng, 25, 60), t0 = U(rng, 0, hours * 0.5), tc = PlanCrossing(t0), p = U(rng, 1.4, 2.6);
                double c = (thr - b) / Math.Pow(tc - t0, p);
                planned = tc;
                f = t => b + c * Math.Pow(Math.Max(0, t - t0), p);
                break;
            }

            case ScenarioKind.StepGrowth:
            case ScenarioKind.StepPlateau:
            {
                double b = U(rng, 35, 70), tc = PlanCrossing(0), gap = U(rng, 0.5, 6);
                double rate = (thr - b) / tc;
                double cap = kind == ScenarioKind.StepPlateau ? U(rng, thr - 14, thr - 5) : double.MaxValue;
                var steps = new List<(double T, double Level)>();
                double level = b;
                for (double t = 0; t < hours;)
                {
                    double dt = -Math.Log(1 - rng.NextDouble()) * gap;
                    t += dt;
                    level = Math.Min(cap, level + rate * dt * U(rng, 0.4, 1.6));
                    steps.Add((t, level));
                }

                planned = kind == ScenarioKind.StepGrowth ? tc : null;
                f = t => StepAt(steps, b, t);
                break;
            }

            case ScenarioKind.RestartLeak:
            {
                double b = U(rng, 20, 45), r = U(rng, 0.3, 3.0);
                bool crosses = rng.NextDouble() < 0.35;
                var restarts = new List<double>();
                double t = U(rng, 0, 12);
                double first = t;
                int cycles = 0, lastCycle = crosses ? rng.Next(1, 4) : int.MaxValue;
                while (t < hours && cycles < lastCycle)
                {
                    double reach = U(rng, 70, 92);
                    t += (reach - b) / r * U(rng, 0.5, 1.0);
                    restarts.Add(t);
                    cycles++;
                }

                if (crosses && restarts.Count > 0)
                {
                    double last = restarts[^1];
                    planned = last + (thr - b) / r;
                }

                f = tt =>
                {
                    double since = tt - first;
                    foreach (double rt in restarts)
                    {
                        if (rt <= tt)
                        {
                            since = tt - rt;
                        }
                    }

                    return tt < first ? b : b + r * since;
                };
                break;
            }

            case ScenarioKind.CachePlateau:
            {
                double b = U(rng, 30, 60), l = U(rng, 80, thr - 2 - 3 * (white + arSd)), tau = U(rng, 1, 20);
                var fills = new List<double> { U(rng, 0, hours * 0.3) };
                if (rng.NextDouble() < 0.5)
                {
                    fills.Add(U(rng, hours * 0.4, hours * 0.9));
                }

                f = t =>
                {
                    double start = double.NaN;
                    foreach (double s in fills)
                    {
                        if (s <= t)
                        {
                            start = s;
                        }
                    }

                    return double.IsNaN(start) ? b : b + (l - b) * (1 - Math.Exp(-(t - start) / tau));
                };
                break;
            }

            case ScenarioKind.Spikes:
            {
                double b = U(rng, 20, 70);
                var spikes = new List<(double S, double E, double H)>();
                double perDay = U(rng, 2, 12);
                bool longOne = rng.NextDouble() < 0.1;
                for (double t = 0; t < hours;)
                {
                    t += -Math.Log(1 - rng.NextDouble()) * 24 / perDay;
                    spikes.Add((t, t + U(rng, 0.3, 3.2) / 60, U(rng, thr + 0.5, 100)));
                }

                if (longOne)
                {
                    double s = U(rng, hours * 0.3, hours * 0.9);
                    spikes.Add((s, s + U(rng, 0.2, 2), 99));
                    planned = s;
                }

                f = t =>
                {
                    foreach ((double s, double e, double h) in spikes)
                    {
                        if (t >= s && t < e)
                        {
                            return h;
                        }
                    }

                    return b;
                };
                white = Math.Min(white, 1.2);
                break;
            }

            case ScenarioKind.SeasonalGrowing:
            case ScenarioKind.SeasonalStable:
            {
                double amp = U(rng, 10, 30), peakHour = U(rng, 10, 20), width = U(rng, 3, 7), weekend = U(rng, 0.3, 1.0);
                double b, g;
                double noiseMargin = 3 * (white + arSd);
                if (kind == ScenarioKind.SeasonalGrowing)
                {
                    double tc = PlanCrossing(12);
                    b = U(rng, 20, thr - amp - 15);
                    g = (thr - amp - b) / tc; // per hour: the daily peak reaches the threshold around tc
                    planned = tc;
                }
                else
                {
                    b = U(rng, 15, thr - amp - noiseMargin - 3);
                    g = 0;
                }

                int startDow = rng.Next(7);
                f = t =>
                {
                    double hod = t % 24;
                    int dow = (startDow + (int)(t / 24)) % 7;
                    double d = Math.Min(Math.Abs(hod - peakHour), 24 - Math.Abs(hod - peakHour));
                    double shape = Math.Exp(-0.5 * d * d / (width * width));
                    return b + g * t + amp * shape * (dow >= 5 ? weekend : 1.0);
                };
                break;
            }

            case ScenarioKind.SawtoothBelow:
            case ScenarioKind.SawtoothGrowing:
            {
                double period = new[] { 4.0, 6, 12, 24, 24, 48 }[rng.Next(6)];
                double b = U(rng, 30, 60), rise = U(rng, 5, 25), phase = U(rng, 0, period);
                double drift;
                if (kind == ScenarioKind.SawtoothGrowing)
                {
                    double tc = PlanCrossing(12);
                    drift = (thr - rise - b) / tc;
                    planned = tc;
                }
                else
                {
                    b = Math.Min(b, thr - rise - 4);
                    drift = U(rng, 0, Math.Max(0, (thr - 4 - rise - b) / (hours * 1.5)));
                }

                f = t =>
                {
                    double into = ((t + phase) % period) / period;
                    return b + drift * t + rise * into;
                };
                break;
            }

            case ScenarioKind.Flat:
            {
                double b = U(rng, 15, thr - 20);
                var shifts = new List<(double T, double D)>();
                for (int k = rng.Next(0, 4); k > 0; k--)
                {
                    shifts.Add((U(rng, 0, hours), U(rng, -8, 8)));
                }

                f = t =>
                {
                    double v = b;
                    foreach ((double st, double d) in shifts)
                    {
                        if (t >= st)
                        {
                            v += d;
                        }
                    }

                    return Math.Clamp(v, 2, thr - 12);
                };
                break;
            }

            default:
                throw new InvalidOperationException(kind.ToString());
        }

        // Sampling: 70 % one minute, the rest 30 s, 2 min or irregular (exponential gaps); jitter ±15 %.
        double baseStep = rng.Next(10) switch { < 7 => 60, 7 => 30, 8 => 120, _ => -60 };
        var gaps = new List<(double S, double E)>();
        for (int k = rng.Next(0, 4); k > 0; k--)
        {
            double s = U(rng, 0, hours);
            gaps.Add((s, s + U(rng, 5.0 / 60, 4)));
        }

        long start = (long)(Epoch - DateTime.UnixEpoch).TotalMilliseconds + (long)(U(rng, 0, 6) * 3600) * 1000;
        var sb = new StringBuilder(1 << 20);
        sb.Append("timestamp,value\n");
        double ar = 0;
        double tSec = 0;
        long lastMs = long.MinValue;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        while (tSec < hours * 3600)
        {
            double step = baseStep > 0 ? baseStep * (1 + U(rng, -0.15, 0.15)) : -Math.Log(1 - rng.NextDouble()) * -baseStep + 1;
            tSec += step;
            double th = tSec / 3600;
            ar = arPhi * ar + arSd * Math.Sqrt(1 - arPhi * arPhi) * Gauss(rng);
            bool inGap = false;
            foreach ((double s, double e) in gaps)
            {
                inGap |= th >= s && th < e;
            }

            if (inGap)
            {
                continue;
            }

            double v = Math.Clamp(f(th) + ar + white * Gauss(rng), 0, 100);
            long ms = start + (long)(tSec * 1000) / 1000 * 1000;
            if (ms <= lastMs)
            {
                continue;
            }

            lastMs = ms;
            sb.Append(ThresholdData.FormatTime(ms)).Append(',').Append(v.ToString("0.##", CultureInfo.InvariantCulture)).Append('\n');
            if (sb.Length > (1 << 20) - 256)
            {
                writer.Write(sb);
                sb.Clear();
            }
        }

        writer.Write(sb);
        return (metric, thr, kind, planned);
    }

    private static double StepAt(List<(double T, double Level)> steps, double b, double t)
    {
        int lo = 0, hi = steps.Count - 1, idx = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (steps[mid].T <= t)
            {
                idx = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return idx < 0 ? b : steps[idx].Level;
    }
}
