using System.Buffers;
using System.Buffers.Binary;
using MathNet.Numerics.Distributions;

namespace Aiops.Analytics.Prediction;

/// <summary>
/// Streaming time-to-threshold predictor for one series (DESIGN §6). Feed samples in time order with
/// <see cref="Update"/>; it raises a prediction only when the crossing is likely (probability ≥
/// <see cref="ThresholdPolicy.MinProbability"/>) and expected within the horizon, updates it only on material
/// changes, and withdraws it when the trend goes away.
/// </summary>
/// <remarks>
/// Method, per closed bucket (default 10 min); docs/analytics-prediction.md has the full description and figures.
/// <list type="bullet">
/// <item>Samples are reduced to bucket medians: short spikes and jitter vanish and irregular sampling or gaps
/// become "missing buckets" instead of bias.</item>
/// <item>A sudden drop far beyond the usual bucket-to-bucket change (robust scale of recent differences) is a
/// reset (restart, GC, log rotation): the trend window restarts there. Regular resets ("teeth") whose peaks
/// stayed below the threshold suppress predictions beyond the next expected reset; a tooth that ended flat
/// (a filled cache) is a ceiling for the next fill.</item>
/// <item>A daily profile of residuals, used only once it predicts new residuals out of sample, removes
/// seasonality; a day-over-day guard makes a daily rise count only through the growth of the daily peaks.</item>
/// <item>Trend: Theil–Sen slope over the last 8 h since the reset; adjacent-window slopes give acceleration
/// (quadratic) or deceleration (exponential damping), used only when significant. An exponential-saturation fit
/// (variable projection over a τ grid) vetoes smooth fills that level off below the threshold.</item>
/// <item>Uncertainty: residual scale inflated for autocorrelation, slope standard error and a model error on the
/// slope. The probability (and the raise rule's late end) uses a fixed 40 % model error; the reported ETA
/// interval uses this series' own evidence instead (how much the slopes of the two halves of its window
/// disagree, 7–40 %; the full 40 % for seasonal series, series that reset, damped or accelerating fits), widened
/// 1.5× (calibration).</item>
/// <item>Alerting: raise only when confident, with the ETA within the alert horizon (default 6 h, 10.5 h for step
/// growth; <see cref="ThresholdPolicy.Horizon"/> is the outer bound), a non-receding ETA over the last hour and
/// three agreeing buckets; update when the ETA moves materially and out of the standing interval; withdraw with
/// hysteresis; stay quiet for one horizon after the series was at the threshold (an incident, not a prediction).</item>
/// <item>Forecast (<see cref="TryForecast"/>): the same trend model, evaluated at any horizon with an
/// <see cref="ThresholdPolicy.IntervalLevel"/> band, for the <c>aiops_forecast</c> series; it never changes a prediction.</item>
/// </list>
/// ML.NET is deliberately not used here: a per-series model must learn online from a few hundred buckets with
/// no labels, where the closed-form robust estimates above are cheaper, snapshot in a few KiB, and cannot
/// overfit one fleet. Memory per series is bounded: 72 h of buckets, one daily profile, eight teeth.
/// Not thread-safe: one instance per series, one writer (as in a grain).
/// </remarks>
public sealed class ThresholdPredictor
{
    private const int StateVersion = 1;
    private const int MaxBucketSamples = 32;
    private const int MaxFitPoints = 48;
    private const int MaxTeeth = 8;
    private const double WindowHours = 24;
    private const double RecentHours = 8;
    private const double ShortHours = 3;

    /// <summary>Step growth's alert horizon as a multiple of <see cref="ThresholdPolicy.AlertHorizon"/> (10.5 h by
    /// default): its crossing comes with a jump at a random time, often well before the average-rate ETA.</summary>
    private const double StepAlertHorizonFactor = 1.75;

    /// <summary>How far past <see cref="ThresholdPolicy.Horizon"/> the late end of step growth's model interval may
    /// lie at a raise (30 h by default): with few jumps in the window the rate is uncertain by nature.</summary>
    private const double StepRaiseHighFactor = 1.25;

    /// <summary>ETA of the last evaluation when only the young-series guard held it back (derived, not snapshotted).</summary>
    private long? _vetoedEta;

    /// <summary>Span a young series (no reset, &lt; 30 h) needs for step growth: its window is its whole history, and
    /// a disk that jumped twice in its first hours should not wait 12 h to be judged.</summary>
    private const double YoungStepHours = 6;
    private const int EtaHistory = 18;
    private const double MaxRaiseDrift = 0.5;
    private const double MaxKeepDrift = 1.0;
    private const double MinWindowHours = 2;
    private const int MinWindowPoints = 10;
    private const double SlopeModelError = 0.4;

    // The reported interval's relative slope error is what this series' own slope did over its window: the
    // slopes of the two halves of the recent window disagree by about what the slope will drift over a similar
    // span ahead. Clamped to [MinSlopeModelError, SlopeModelError]: a clean line still gets a floor (its future is
    // not guaranteed to stay linear), and no evidence ever widens it past the old fixed 40 %. Seasonal series,
    // series that already reset and damped/accelerating fits keep the full 40 %: their window halves do not
    // show the instability that matters (the next cycle, the next reset, the changing rate).
    private const double MinSlopeModelError = 0.07;

    // The reported interval is the model interval widened by this factor: the model's errors (slope, level,
    // curvature) miss how much real crossings wander (autocorrelated noise, steps, the 5-minute rule), and 80 %
    // intervals from the raw model held the crossing only ~68 % of the time in evaluation.
    private const double IntervalCalibration = 1.5;
    private const double ProfileAlpha = 0.35;
    private const long IncidentRunMs = 5 * 60_000;
    private static readonly long MinMaterialShiftMs = (long)TimeSpan.FromMinutes(30).TotalMilliseconds;

    private readonly ThresholdPolicy _policy;
    private readonly long _bucketMs;
    private readonly int _slotsPerDay;
    private readonly int _capacity;
    private readonly double _z;
    private readonly long _alertHorizonMs;
    private readonly long _stepAlertHorizonMs;

    // Ring of closed bucket medians (index = time / bucket width).
    private readonly long[] _ringIdx;
    private readonly double[] _ringMed;
    private int _ringHead;
    private int _ringCount;

    // The open bucket.
    private readonly double[] _cur = new double[MaxBucketSamples];
    private long _curIdx = long.MinValue;
    private int _curCount;

    private long _firstMs = long.MinValue;
    private long _lastMs = long.MinValue;
    private double _sampleSigma = double.NaN;

    // Daily seasonal profile (residual against the trailing mean), with visit counts.
    private readonly double[] _profile;
    private readonly int[] _profileVisits;

    // Out-of-sample check of the profile: EWMA of squared residuals with and without it, each measured before
    // the slot learns from the new value. A transient (a cache filling once) leaves a "profile" that does not
    // repeat the next day, and this is what switches it off.
    private double _errWith;
    private double _errWithout;
    private int _validated;

    // Resets and the teeth they close.
    private long _resetIdx = long.MinValue;
    private readonly double[] _toothHours = new double[MaxTeeth];
    private readonly double[] _toothPeak = new double[MaxTeeth];
    private readonly bool[] _toothFlat = new bool[MaxTeeth];
    private int _teeth;

    private Prediction? _current;
    private int _confirm;

    // After the series has been at/above the threshold, stay quiet for one horizon: the problem is an
    // incident now, and predicting its next peak would only duplicate it.
    private long _quietUntilIdx = long.MinValue;

    // Start of the current run of samples at/above the threshold (long.MinValue when the last sample was below).
    // The incident, like the §9.2 crossing, is a run spanning at least 5 minutes: a noisy series whose bucket
    // median touches the threshold at a daily peak has not crossed yet, and going quiet then would miss the
    // real crossing a day later.
    private long _aboveSinceMs = long.MinValue;

    // Recent (evaluation time, projected ETA) pairs. How fast the projected ETA moves tells a true leak
    // (ETA fixed in time, drift ≈ 0) from a filling cache (the linear ETA recedes faster than the clock,
    // drift > 1 whenever the plateau lies below the threshold) or an accelerating leak (drift < 0).
    private readonly long[] _etaAt = new long[EtaHistory];
    private readonly long[] _eta = new long[EtaHistory];
    private int _etaCount;
    private int _etaMisses;

    // Trend model of the last closed bucket, for TryForecast. Derived from the state above (never persisted):
    // after Restore it is rebuilt on demand from the ring, so the snapshot format is unchanged.
    private TrendModel _model = TrendModel.None;
    private long _projectedIdx = long.MinValue;

    // Scratch buffers reused by every evaluation (no allocation per bucket).
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _pairs = new double[MaxFitPoints * (MaxFitPoints - 1) / 2];
    private readonly double[] _tmp;

    /// <summary>Creates an empty predictor for one series.</summary>
    public ThresholdPredictor(ThresholdPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        _policy = policy;
        _bucketMs = (long)policy.BucketWidth.TotalMilliseconds;
        _slotsPerDay = (int)(86_400_000 / _bucketMs);
        _capacity = (int)(72 * 3_600_000 / _bucketMs);
        _ringIdx = new long[_capacity];
        _ringMed = new double[_capacity];
        _profile = new double[_slotsPerDay];
        _profileVisits = new int[_slotsPerDay];
        _x = new double[_capacity];
        _y = new double[_capacity];
        _tmp = new double[_capacity];
        _z = Normal.InvCDF(0, 1, 0.5 + policy.IntervalLevel / 2);
        long horizon = (long)policy.Horizon.TotalMilliseconds;
        _alertHorizonMs = Math.Min(horizon, (long)policy.AlertHorizon.TotalMilliseconds);
        _stepAlertHorizonMs = Math.Min(horizon, (long)(StepAlertHorizonFactor * policy.AlertHorizon.TotalMilliseconds));
    }

    /// <summary>The standing prediction, or null.</summary>
    public Prediction? Current => _current;

    /// <summary>The policy this predictor applies.</summary>
    public ThresholdPolicy Policy => _policy;

    /// <summary>
    /// Whether the last <see cref="Update"/> call closed a bucket (once per <see cref="ThresholdPolicy.BucketWidth"/>
    /// of event time, default 10 min): the moment the trend is re-fitted, so a caller writing one forecast point
    /// per bucket calls <see cref="TryForecast"/> only then. Transient: false after <see cref="Restore"/>.
    /// </summary>
    public bool BucketClosed { get; private set; }

    /// <summary>
    /// Feeds one sample. Samples not after the previous one and non-finite values are ignored (no look-back
    /// rewrite). Returns a change when a prediction is raised, changed materially (ETA moved by more than
    /// 25 % of the remaining lead and more than 30 min, and out of the standing [low, high] interval) or
    /// withdrawn; null otherwise.
    /// </summary>
    public PredictionChange? Update(long timestampUnixMs, double value)
    {
        BucketClosed = false;
        if (!double.IsFinite(value) || timestampUnixMs <= _lastMs)
        {
            return null;
        }

        if (_firstMs == long.MinValue)
        {
            _firstMs = timestampUnixMs;
        }

        _lastMs = timestampUnixMs;
        long idx = Math.DivRem(timestampUnixMs, _bucketMs, out long rem);
        if (rem < 0)
        {
            idx--;
        }

        PredictionChange? change = null;
        if (idx != _curIdx)
        {
            if (_curCount > 0)
            {
                CloseBucket();
                change = Evaluate(timestampUnixMs);
                BucketClosed = true;
            }

            _curIdx = idx;
            _curCount = 0;
        }

        if (value >= _policy.Threshold)
        {
            if (_aboveSinceMs == long.MinValue)
            {
                _aboveSinceMs = timestampUnixMs;
            }

            if (timestampUnixMs - _aboveSinceMs >= IncidentRunMs)
            {
                _quietUntilIdx = Math.Max(_quietUntilIdx, idx + (long)(_policy.Horizon.TotalMilliseconds / _bucketMs));
            }
        }
        else
        {
            _aboveSinceMs = long.MinValue;
        }

        // Past 32 samples a bucket keeps a rotating subset: the median barely moves and memory stays fixed.
        _cur[_curCount < MaxBucketSamples ? _curCount : _curCount % MaxBucketSamples] = value;
        _curCount++;
        return change;
    }

    private void CloseBucket()
    {
        int n = Math.Min(_curCount, MaxBucketSamples);
        Span<double> s = _tmp.AsSpan(0, n);
        _cur.AsSpan(0, n).CopyTo(s);
        double med = RobustStats.Median(s);
        if (n >= 4)
        {
            double mad = RobustStats.MadSigma(_cur.AsSpan(0, n), med, _tmp);
            _sampleSigma = double.IsNaN(_sampleSigma) ? mad : _sampleSigma + 0.05 * (mad - _sampleSigma);
        }

        if (_ringCount > 0)
        {
            DetectReset(med);
        }

        UpdateProfile(med);
        _ringIdx[_ringHead] = _curIdx;
        _ringMed[_ringHead] = med;
        _ringHead = (_ringHead + 1) % _capacity;
        _ringCount = Math.Min(_ringCount + 1, _capacity);
    }

    private int RingPos(int back) => (_ringHead - 1 - back + 2 * _capacity) % _capacity;

    private void DetectReset(double med)
    {
        double prev = _ringMed[RingPos(0)];
        double drop = prev - med;
        double minDrop = Math.Max(3, 0.03 * Math.Abs(_policy.Threshold));
        if (drop < minDrop)
        {
            return;
        }

        // Robust scale of recent bucket-to-bucket changes: a seasonal decline or noisy CPU moves several points
        // per bucket, a restart or rotation moves far more than its usual change in one step.
        int m = Math.Min(_ringCount - 1, 36);
        double scale = 0;
        if (m >= 6)
        {
            for (int i = 0; i < m; i++)
            {
                _tmp[i] = Math.Abs(_ringMed[RingPos(i)] - _ringMed[RingPos(i + 1)]);
            }

            scale = 1.4826 * RobustStats.Median(_tmp.AsSpan(0, m));
        }

        if (drop < 6 * scale)
        {
            return;
        }

        double peak = double.NegativeInfinity;
        for (int i = 0; i < _ringCount && _ringIdx[RingPos(i)] >= _resetIdx; i++)
        {
            peak = Math.Max(peak, _ringMed[RingPos(i)]);
        }

        // A drop spread over consecutive buckets (the reset fell mid-bucket) is one reset, not a tiny tooth.
        if (_resetIdx != long.MinValue && _curIdx - _resetIdx <= 3)
        {
            _resetIdx = _curIdx;
            return;
        }

        bool flat = ToothEndedFlat();
        {
            // The first tooth starts with the data: its length is only a lower bound (an early expected reset
            // suppresses more, and that suppression ends as soon as the series outgrows the tooth's peak).
            int slot = _teeth % MaxTeeth;
            long start = _resetIdx != long.MinValue ? _resetIdx : _ringIdx[RingPos(_ringCount - 1)];
            _toothHours[slot] = (_curIdx - start) * _bucketMs / 3_600_000.0;
            _toothPeak[slot] = peak;
            _toothFlat[slot] = flat;
            _teeth++;
        }

        _resetIdx = _curIdx;
        _confirm = 0;
    }

    /// <summary>
    /// Whether the tooth that a reset just ended had levelled off (a cache that filled and stayed): over its last
    /// 4 h it rose by less than 2 points and less than 15 % of its whole rise. Teeth cut while still rising
    /// (log rotation, restarts of a leak) are not flat.
    /// </summary>
    private bool ToothEndedFlat()
    {
        int n = 0;
        long last = _ringIdx[RingPos(0)];
        for (int i = 0; i < _ringCount && _ringIdx[RingPos(i)] >= _resetIdx && n < _x.Length; i++)
        {
            n++;
        }

        long perHour = 3_600_000 / _bucketMs;
        if (n < MinWindowPoints || last - _ringIdx[RingPos(n - 1)] < 6 * perHour)
        {
            return false;
        }

        int m = 0;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = n - 1; i >= 0; i--)
        {
            long idx = _ringIdx[RingPos(i)];
            double v = _ringMed[RingPos(i)];
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
            if (idx >= last - 4 * perHour)
            {
                _x[m] = (idx - last) * _bucketMs / 3_600_000.0;
                _y[m] = v;
                m++;
            }
        }

        if (m < MinWindowPoints)
        {
            return false;
        }

        double endRise = 4 * FitSlope(0, m);
        return endRise < 2 && endRise < 0.15 * (hi - lo);
    }

    private void UpdateProfile(double med)
    {
        // Residual against the mean of the last 24 h (since the last reset): its lag under a trend is the same
        // for every slot, so it cancels when the profile is centred.
        long from = Math.Max(_curIdx - _slotsPerDay, _resetIdx == long.MinValue ? long.MinValue : _resetIdx);
        double sum = 0;
        int n = 0;
        long oldest = long.MaxValue;
        for (int i = 0; i < _ringCount; i++)
        {
            long idx = _ringIdx[RingPos(i)];
            if (idx < from)
            {
                break;
            }

            sum += _ringMed[RingPos(i)];
            oldest = idx;
            n++;
        }

        if (n < _slotsPerDay / 2 || _curIdx - oldest < _slotsPerDay * 3 / 4)
        {
            return;
        }

        int slot = (int)(((_curIdx % _slotsPerDay) + _slotsPerDay) % _slotsPerDay);
        double r = med - sum / n;
        if (_profileVisits[slot] > 0)
        {
            double a = 1.0 / _slotsPerDay;
            double centre = 0;
            for (int i = 0; i < _slotsPerDay; i++)
            {
                centre += _profile[i];
            }

            centre /= _slotsPerDay;
            double rc = r - centre;
            double e = rc - (_profile[slot] - centre);
            _errWith += a * (e * e - _errWith);
            _errWithout += a * (rc * rc - _errWithout);
            _validated++;
        }

        _profile[slot] = _profileVisits[slot] == 0 ? r : _profile[slot] + ProfileAlpha * (r - _profile[slot]);
        _profileVisits[slot]++;
    }

    /// <summary>Centred profile value for a bucket index, or 0 while the profile is not trustworthy.</summary>
    private double Seasonal(long idx, double centre, bool active) =>
        active ? _profile[(int)(((idx % _slotsPerDay) + _slotsPerDay) % _slotsPerDay)] - centre : 0;

    private bool ProfileActive(out double centre)
    {
        int minVisits = int.MaxValue;
        double sum = 0, lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = 0; i < _slotsPerDay; i++)
        {
            minVisits = Math.Min(minVisits, _profileVisits[i]);
            sum += _profile[i];
            lo = Math.Min(lo, _profile[i]);
            hi = Math.Max(hi, _profile[i]);
        }

        centre = sum / _slotsPerDay;

        // Used only once it has predicted half a day of new residuals clearly better than no profile at all.
        return minVisits >= 1 && _validated >= _slotsPerDay / 2 && _errWith < 0.5 * _errWithout;
    }

    private PredictionChange? Evaluate(long nowMs)
    {
        ForecastResult? f = null;
        _vetoedEta = null;
        if (_curIdx >= _quietUntilIdx)
        {
            f = Project(nowMs, _curIdx);
            _projectedIdx = _curIdx;
        }

        double lead = f is { } ff ? (ff.EtaMs - nowMs) : double.PositiveInfinity;
        // Without a standing prediction, an ETA held back only by the young-series guard counts for the drift (a
        // standing prediction must still see the forecast as absent, or a lasting veto would never withdraw it).
        double drift = PushEta(nowMs, f?.EtaMs ?? (_current is null ? _vetoedEta : null));
        long horizonMs = (long)_policy.Horizon.TotalMilliseconds;

        if (_current is null)
        {
            // Raise only when even the late end of the interval lies within the horizon (an alert whose crossing
            // may come after the horizon is not yet actionable) and the ETA itself within the alert horizon: the
            // chance that a restart, a plateau or a short seasonal peak intervenes grows with the distance, so a
            // far crossing is forecast but not paged. Step growth gets 1.75× the alert horizon (its crossing comes
            // with a jump at a random time, often well before the average-rate ETA) and 1.25× the horizon for the
            // late end of its interval (a rate from two or three jumps is uncertain by nature; requiring the late
            // end within 24 h held back young disks one jump below the threshold).
            long alertHorizon = f is { StepGrowth: true } ? _stepAlertHorizonMs : _alertHorizonMs;
            bool raise = f is { } g && g.Probability >= _policy.MinProbability && lead >= 5 * 60_000
                && g.RaiseHighMs - nowMs <= (g.StepGrowth ? StepRaiseHighFactor : 1.0) * horizonMs && drift <= MaxRaiseDrift
                && lead <= alertHorizon;
            if (!raise)
            {
                _confirm = 0;
                return null;
            }

            // Three consecutive buckets must agree: one or two noisy buckets do not raise an alarm.
            if (++_confirm < 3)
            {
                return null;
            }

            _current = ToPrediction(nowMs, f!.Value);
            return new PredictionChange(PredictionChangeKind.Raised, _current);
        }

        // A standing prediction rides out one or two buckets without a forecast (a passing veto or noisy
        // bucket); a lasting absence, a reset or an incident withdraws it.
        if (f is null && _etaMisses < 3 && _curIdx >= _quietUntilIdx && _resetIdx != _curIdx)
        {
            return null;
        }

        // Hysteresis: a standing prediction survives a small dip in confidence.
        bool keep = f is { } k && k.Probability >= _policy.MinProbability - 0.25 && lead <= 1.5 * horizonMs
            && !(drift > MaxKeepDrift);
        if (!keep)
        {
            _current = null;
            _confirm = 0;
            return new PredictionChange(PredictionChangeKind.Withdrawn, null);
        }

        ForecastResult fc = f!.Value;
        long remaining = Math.Max(0, _current.EtaUnixMs - nowMs);
        long shift = Math.Abs(fc.EtaMs - _current.EtaUnixMs);
        // Update only when the new ETA both moved materially and left the standing interval: an ETA wandering
        // inside [low, high] is what the interval already said, and every update row is an alert of its own.
        bool outside = fc.EtaMs < _current.LowUnixMs || fc.EtaMs > _current.HighUnixMs;
        if (shift > Math.Max(remaining / 4, MinMaterialShiftMs) && outside)
        {
            _current = ToPrediction(nowMs, fc);
            return new PredictionChange(PredictionChangeKind.Updated, _current);
        }

        return null;
    }

    /// <summary>Records this evaluation's ETA and returns the ETA drift (ETA hours per clock hour) over up to the
    /// last 3 h of forecasts; NaN when they span less than 1 h.</summary>
    private double PushEta(long nowMs, long? eta)
    {
        // One or two buckets without a forecast (a passing veto) leave the history alone: clearing it would let
        // one noisy bucket postpone a raise by the whole drift window. A lasting absence starts afresh.
        if (eta is null)
        {
            if (++_etaMisses >= 3)
            {
                _etaCount = 0;
            }

            return double.NaN;
        }

        _etaMisses = 0;

        // Shift left when full: 18 longs, cheaper than ring arithmetic here and trivially snapshotted.
        if (_etaCount == EtaHistory)
        {
            Array.Copy(_etaAt, 1, _etaAt, 0, EtaHistory - 1);
            Array.Copy(_eta, 1, _eta, 0, EtaHistory - 1);
            _etaCount--;
        }

        _etaAt[_etaCount] = nowMs;
        _eta[_etaCount] = eta.Value;
        _etaCount++;
        long span = nowMs - _etaAt[0];
        if (span < 3_600_000)
        {
            return double.NaN;
        }

        return (double)(eta.Value - _eta[0]) / span;
    }

    private static Prediction ToPrediction(long nowMs, ForecastResult f) =>
        new(nowMs, f.EtaMs, f.LowMs, f.HighMs, Math.Round(f.Probability, 3));

    /// <param name="RaiseHighMs">Late end of the uncalibrated model interval: the raise rule's "surely within the horizon".</param>
    /// <param name="StepGrowth">The trend was judged step growth (jumps between flat stretches).</param>
    private readonly record struct ForecastResult(long EtaMs, long LowMs, long HighMs, long RaiseHighMs, double Probability, bool StepGrowth);

    private ForecastResult? Project(long nowMs, long nowIdx)
    {
        if (_ringCount < MinWindowPoints || nowMs - _firstMs < (long)_policy.MinHistory.TotalMilliseconds)
        {
            return null;
        }

        double thr = _policy.Threshold;
        double thrEff = thr - (double.IsNaN(_sampleSigma) ? 0 : 0.5 * _sampleSigma);
        long from = nowIdx - (long)(WindowHours * 3_600_000 / _bucketMs);
        if (_resetIdx != long.MinValue)
        {
            from = Math.Max(from, _resetIdx);
        }

        bool seasonal = ProfileActive(out double centre);

        // Window, oldest first; x in hours relative to now (negative).
        int n = 0;
        for (int i = 0; i < _ringCount; i++)
        {
            long idx = _ringIdx[RingPos(i)];
            if (idx < from)
            {
                break;
            }

            n++;
        }

        if (n < MinWindowPoints)
        {
            return null;
        }

        for (int j = 0; j < n; j++)
        {
            int p = RingPos(n - 1 - j);
            _x[j] = (_ringIdx[p] - nowIdx) * _bucketMs / 3_600_000.0;
            _y[j] = _ringMed[p] - Seasonal(_ringIdx[p], centre, seasonal);
        }

        double span = _x[n - 1] - _x[0];
        if (span < MinWindowHours)
        {
            return null;
        }

        // The last bucket is already at the threshold: this is an incident, not a prediction.
        if (_ringMed[RingPos(0)] >= thr)
        {
            return null;
        }

        // Two adjacent windows: the recent one gives the slope now, the one before it tells acceleration from
        // deceleration. Comparing adjacent windows (rather than the halves of one long window) keeps a flat
        // stretch before a leak started from passing for acceleration.
        int recentStart = FirstAtOrAfter(n, -RecentHours);
        if (n - recentStart < MinWindowPoints || _x[n - 1] - _x[recentStart] < MinWindowHours)
        {
            return null;
        }

        // A young series (< 30 h, no day-over-day evidence yet) cannot tell a leak from the rising half of a
        // daily cycle, which lasts up to ~12 h. Unless the crossing is imminent (≤ 4 h, where the rise itself is
        // the evidence, as for the 4-hour baselines), ask for 12 h of window whose overall slope also reaches the
        // threshold within the horizon. Series that already reset (sawtooth, restarts) are not diurnal suspects.
        long perHourIdx = 3_600_000 / _bucketMs;
        bool youngSuspect = false;
        bool young = _resetIdx == long.MinValue && nowIdx - _ringIdx[RingPos(_ringCount - 1)] < 30 * perHourIdx;
        if (young)
        {
            double bWhole = span < 12 ? double.NaN : FitSlope(0, n);
            youngSuspect = !(bWhole > 0) || _ringMed[RingPos(0)] + bWhole * _policy.Horizon.TotalHours < thrEff;
        }

        // Step growth (disk usage jumping when batches land): 8 h hold one or two steps and the slope flips
        // between 0 and a jump. Over the whole window (≤ 24 h) the steps average out; curvature means nothing.
        // Checked on the whole window too: 8 h may hold a single jump (or none) between long flat stretches.
        double diffNoise = DifferenceNoise(n);
        // A young series' window is its whole history: 6 h holding two clean jumps is already step growth (a
        // disk filled by batches in its first hours), and jumps are not the rising half of a daily cycle, so the
        // young-series guard does not hold step growth back.
        bool stepGrowth = (StepLike(recentStart, n, diffNoise) || StepLike(0, n, diffNoise))
            && _x[n - 1] - _x[0] >= (young ? YoungStepHours : RecentHours + 4);
        if (stepGrowth)
        {
            recentStart = 0;
        }

        double bRecent = FitSlope(recentStart, n);
        if (stepGrowth)
        {
            // Theil–Sen is the median pairwise slope: with long flat stretches between few jumps most pairs lie
            // on one flat stretch and it returns ~0. The rise over the window is the step process's rate.
            bRecent = Math.Max(bRecent, EndpointSlope(n));
        }
        (double resSigma, double infl) = Residuals(recentStart, n, bRecent);
        double sigma = resSigma * infl;
        double seRecent = SlopeSe(recentStart, n, sigma);
        double cRecent = Centre(recentStart, n);
        double bNow = bRecent, curvature = 0, lambda = 0;
        int prevStart = FirstAtOrAfter(n, -2 * RecentHours);
        if (!stepGrowth && recentStart - prevStart >= MinWindowPoints && _x[recentStart - 1] - _x[prevStart] >= RecentHours / 2)
        {
            double bPrev = FitSlope(prevStart, recentStart);
            double sePrev = SlopeSe(prevStart, recentStart, sigma);
            double cPrev = Centre(prevStart, recentStart);
            double margin = 2 * Math.Sqrt(seRecent * seRecent + sePrev * sePrev) + 0.1 * Math.Abs(bPrev);
            double dc = cRecent - cPrev;
            if (bPrev > 0 && bRecent < bPrev - margin)
            {
                if (bRecent <= 0)
                {
                    return null;
                }

                // Exponential damping b(t) = b·e^(−λt) through both window slopes: its asymptote is where a
                // filling cache levels off.
                lambda = Math.Log(bPrev / bRecent) / dc;
                bNow = bRecent * Math.Exp(-lambda * (0 - cRecent));
            }
            else if (bPrev > 2 * sePrev && bRecent > bPrev + margin)
            {
                // Acceleration only when the series was already rising before: a leak that speeds up.
                curvature = (bRecent - bPrev) / dc;
                bNow = bRecent + curvature * (0 - cRecent);
            }
        }

        // A fill that levels off within hours shows first in short adjacent windows (3 h + 3 h): check them too
        // when the long pair saw no deceleration.
        if (!stepGrowth && lambda == 0 && curvature == 0)
        {
            int s2 = FirstAtOrAfter(n, -ShortHours);
            int s1 = FirstAtOrAfter(n, -2 * ShortHours);
            if (n - s2 >= MinWindowPoints / 2 + 2 && s2 - s1 >= MinWindowPoints / 2 + 2 && _x[s2 - 1] - _x[s1] >= ShortHours / 2)
            {
                double b2 = FitSlope(s2, n), b1 = FitSlope(s1, s2);
                double se2 = SlopeSe(s2, n, sigma), se1 = SlopeSe(s1, s2, sigma);
                double margin = 2 * Math.Sqrt(se1 * se1 + se2 * se2) + 0.1 * Math.Abs(b1);
                if (b1 > 0 && b2 < b1 - margin)
                {
                    if (b2 <= 0)
                    {
                        return null;
                    }

                    double c2 = Centre(s2, n);
                    lambda = Math.Log(b1 / b2) / (c2 - Centre(s1, s2));
                    bNow = b2 * Math.Exp(-lambda * (0 - c2));
                }
            }
        }

        // Level now: median of the recent residuals against the local line (≈ last 2 h).
        int recent = 0;
        for (int j = n - 1; j >= 0 && _x[j] >= -2; j--)
        {
            _tmp[recent++] = _y[j] - bNow * _x[j] - 0.5 * curvature * _x[j] * _x[j];
        }

        if (recent < 3)
        {
            return null;
        }

        double level = RobustStats.Median(_tmp.AsSpan(0, recent));
        double levelSe = 1.2533 * sigma / Math.Sqrt(recent);
        double bSe = Math.Sqrt(seRecent * seRecent + SlopeModelError * SlopeModelError * bNow * bNow);
        double curvSe = Math.Abs(curvature) * 0.5;
        // The reported [low, high] interval uses the evidence-based slope error; the raise rule (probability and
        // the late end "surely within the horizon") keeps the fixed 40 % so that when to page does not change.
        double relErr = SlopeModelError;
        if (!seasonal && _resetIdx == long.MinValue && lambda == 0 && curvature == 0)
        {
            relErr = SlopeInstability(recentStart, n, bNow);
        }

        double bSeI = Math.Sqrt(seRecent * seRecent + relErr * relErr * bNow * bNow);

        // The model this evaluation projects with is what TryForecast draws: recorded before the remaining
        // vetoes, which judge the crossing, not the trend itself. (Every veto below returns null without side
        // effects, so their order relative to the level does not change any prediction.)
        if (double.IsFinite(bNow) && double.IsFinite(level))
        {
            _model = new TrendModel(nowIdx, level, bNow, curvature, lambda, levelSe, bSe, curvSe, resSigma, seasonal, centre);
        }

        // Saturation check (variable projection): fit v = L − A·e^(−t/τ) over the last 6 h for a grid of τ, each
        // a linear least-squares problem in (L, A). A clearly better fit than a straight line with its asymptote
        // below the threshold is a cache or pool filling up, not a leak.
        if (SaturatesBelow(n, thrEff, DifferenceNoise(n)))
        {
            return null;
        }

        if (!(bNow > 0))
        {
            return null;
        }

        if (level >= thrEff)
        {
            return null;
        }

        // A previous fill of this series levelled off below the threshold: until the series clearly passes that
        // ceiling, the current rise is most likely the same fill again.
        for (int i = 0; i < Math.Min(_teeth, MaxTeeth); i++)
        {
            int slot = (_teeth - 1 - i) % MaxTeeth;
            if (_toothFlat[slot] && _toothPeak[slot] < thrEff && level < _toothPeak[slot] + Math.Max(1, 2 * sigma))
            {
                return null;
            }
        }

        // Regular resets (log rotation, scheduled restarts) whose peaks stayed below the threshold: a crossing
        // beyond the next expected reset will not come from this tooth.
        long expectedReset = long.MaxValue;
        // Once this tooth outgrows its projected peak, the pattern no longer vouches for a reset in time.
        if (_teeth >= 1 && _resetIdx != long.MinValue && RegularTeeth(thrEff, out double toothHours, out double projectedPeak)
            && level < projectedPeak + Math.Max(1, sigma))
        {
            expectedReset = (_resetIdx * _bucketMs) + (long)(toothHours * 1.1 * 3_600_000);
        }

        long horizonMs = (long)_policy.Horizon.TotalMilliseconds;
        int steps = (int)(2 * horizonMs / _bucketMs);
        long eta = -1, low = -1, high = -1, raiseHigh = -1;
        double bestZ = double.NegativeInfinity;
        for (int k = 1; k <= steps; k++)
        {
            double t = k * _bucketMs / 3_600_000.0;
            double trend = lambda > 0
                ? level + bNow * (1 - Math.Exp(-lambda * t)) / lambda
                : level + bNow * t + 0.5 * curvature * t * t;
            double f = trend + Seasonal(nowIdx + k, centre, seasonal);
            double sd = Math.Sqrt(levelSe * levelSe + bSe * bSe * t * t + curvSe * curvSe * t * t * t * t / 4);
            double sdI = Math.Sqrt(levelSe * levelSe + bSeI * bSeI * t * t + curvSe * curvSe * t * t * t * t / 4);
            long at = nowIdx * _bucketMs + k * _bucketMs;
            if (at > expectedReset)
            {
                break;
            }

            if (k * _bucketMs <= horizonMs)
            {
                double zScore = (f - thrEff) / Math.Sqrt(sd * sd + resSigma * resSigma);
                bestZ = Math.Max(bestZ, zScore);
            }

            if (low < 0 && f + IntervalCalibration * _z * sdI >= thrEff)
            {
                low = at;
            }

            if (eta < 0 && f >= thrEff)
            {
                eta = at;
            }

            if (raiseHigh < 0 && f - _z * sd >= thrEff)
            {
                raiseHigh = at;
            }

            if (high < 0 && f - IntervalCalibration * _z * sdI >= thrEff)
            {
                high = at;
            }

            // The scan stops where the fixed-error interval would have ended (sdI ≤ sd, so the reported late end
            // is found by then): the probability is the best z-score up to there, unchanged by the narrower
            // interval.
            if (f - IntervalCalibration * _z * sd >= thrEff)
            {
                break;
            }
        }

        if (eta < 0 || !PeakEnvelopeAllows(nowIdx, _resetIdx, thrEff) || !SurvivesToEta(eta, level, thrEff))
        {
            return null;
        }

        if (youngSuspect && !stepGrowth && eta - nowMs > 6 * 3_600_000)
        {
            // The ETA still feeds the drift history: a fast leak in a young series is held back until its ETA is
            // within 6 h, and should not then wait another hour for a drift measurement it already had.
            _vetoedEta = eta;
            return null;
        }

        if (low < 0)
        {
            low = nowMs;
        }

        if (high < 0)
        {
            high = nowIdx * _bucketMs + 2 * horizonMs;
        }

        if (raiseHigh < 0)
        {
            raiseHigh = high;
        }

        // The ETA grid is bucket-aligned; never report a crossing before the sample that raised it.
        eta = Math.Max(eta, nowMs + 60_000);
        low = Math.Max(Math.Min(low, eta), nowMs);
        high = Math.Max(high, eta);
        return new ForecastResult(eta, low, high, Math.Max(raiseHigh, eta), Normal.CDF(0, 1, bestZ), stepGrowth);
    }

    /// <summary>
    /// Day-over-day guard (seasonal naive with drift). When the series is below a peak it already reached in the
    /// last 24 h, today's rise is within its normal range: it only matters if the daily peaks themselves grow fast
    /// enough to reach the threshold within the horizon. Needs 30 h since the last reset; allows otherwise.
    /// </summary>
    private bool PeakEnvelopeAllows(long nowIdx, long from, double thrEff)
    {
        long perHour = 3_600_000 / _bucketMs;
        long day = _slotsPerDay;
        from = Math.Max(from, _ringIdx[RingPos(_ringCount - 1)]);
        if (nowIdx - from < 30 * perHour)
        {
            return true;
        }

        double m1 = double.NegativeInfinity, m2 = double.NegativeInfinity, m3 = double.NegativeInfinity, min1 = double.PositiveInfinity;
        double sameTimeYesterday = double.NaN;
        for (int i = 0; i < _ringCount; i++)
        {
            long idx = _ringIdx[RingPos(i)];
            if (idx < from || idx < nowIdx - 3 * day)
            {
                break;
            }

            double v = _ringMed[RingPos(i)];
            if (idx < nowIdx - 2 * day)
            {
                m3 = Math.Max(m3, v);
                continue;
            }

            if (idx >= nowIdx - day)
            {
                min1 = Math.Min(min1, v);
                if (idx < nowIdx - perHour)
                {
                    m1 = Math.Max(m1, v);
                }
            }
            else
            {
                m2 = Math.Max(m2, v);
            }

            if (double.IsNaN(sameTimeYesterday) && idx <= nowIdx - day)
            {
                sameTimeYesterday = v;
            }
        }

        double last = _ringMed[RingPos(0)];
        if (double.IsNegativeInfinity(m1) || double.IsNegativeInfinity(m2) || double.IsNaN(sameTimeYesterday))
        {
            return true;
        }

        // Daily-cycle look: the last day swung widely but ends near where it was a day ago (a leak ends far
        // above where it started). Then the rise under way is the daily one and only the peaks' growth counts.
        double swing = m1 - min1;
        bool dailyCycle = swing > 5 && swing > 2.5 * Math.Abs(last - sameTimeYesterday);
        if (last + 1 >= m1 && !dailyCycle)
        {
            return true;
        }

        // With three days, the smaller of the two day-over-day peak growths: a weekday after a quiet weekend
        // jumps, and that jump is not growth.
        double growthPerDay = double.IsNegativeInfinity(m3) ? m1 - m2 : Math.Min(m1 - m2, m2 - m3);
        return growthPerDay > 0 && (thrEff - m1) / growthPerDay <= _policy.Horizon.TotalDays;
    }

    /// <summary>
    /// Irregular resets (restarts of a leaking service): with at least two earlier teeth that all peaked below the
    /// threshold, the chance that this tooth lives until the ETA is estimated from how many earlier teeth lived that
    /// long (Laplace-smoothed survival). Below one half, the restart is the likelier outcome. A tooth that has
    /// outgrown every earlier peak is no longer covered by that history.
    /// </summary>
    private bool SurvivesToEta(long etaMs, double level, double thrEff)
    {
        if (_teeth < 2 || _resetIdx == long.MinValue)
        {
            return true;
        }

        int m = Math.Min(_teeth, MaxTeeth);
        double maxPeak = double.NegativeInfinity;
        for (int i = 0; i < m; i++)
        {
            maxPeak = Math.Max(maxPeak, _toothPeak[(_teeth - 1 - i) % MaxTeeth]);
        }

        if (maxPeak >= thrEff || level >= maxPeak)
        {
            return true;
        }

        double needHours = (etaMs - _resetIdx * _bucketMs) / 3_600_000.0;
        int lived = 0;
        for (int i = 0; i < m; i++)
        {
            if (_toothHours[(_teeth - 1 - i) % MaxTeeth] >= needHours)
            {
                lived++;
            }
        }

        return (lived + 1.0) / (m + 2.0) >= 0.5;
    }

    /// <summary>
    /// Whether recent teeth are regular (length CV ≤ 0.3) and the current one should peak below the threshold:
    /// its projected peak is the last peak plus the per-tooth growth of the peaks (a log volume whose rotated
    /// base creeps up). Outputs the typical tooth length and the projected peak.
    /// </summary>
    private bool RegularTeeth(double thrEff, out double typicalHours, out double projectedPeak)
    {
        int m = Math.Min(_teeth, 4);
        double sum = 0;
        for (int i = 0; i < m; i++)
        {
            sum += _toothHours[(_teeth - 1 - i) % MaxTeeth];
        }

        typicalHours = sum / m;
        double var = 0;
        for (int i = 0; i < m; i++)
        {
            double d = _toothHours[(_teeth - 1 - i) % MaxTeeth] - typicalHours;
            var += d * d;
        }

        double last = _toothPeak[(_teeth - 1) % MaxTeeth];
        double growth = m >= 2 ? (last - _toothPeak[(_teeth - m) % MaxTeeth]) / (m - 1) : 0;
        projectedPeak = last + Math.Max(0, growth);
        double cv = Math.Sqrt(var / m) / Math.Max(typicalHours, 1e-9);
        return cv <= 0.3 && projectedPeak < thrEff - 1;
    }

    /// <summary>Relative slope error from this series' own evidence: |b₂ − b₁| / b over the two halves of
    /// [from, to), clamped to [<see cref="MinSlopeModelError"/>, <see cref="SlopeModelError"/>]; the fixed maximum
    /// when a half is too short to fit.</summary>
    private double SlopeInstability(int from, int to, double b)
    {
        double midX = 0.5 * (_x[from] + _x[to - 1]);
        int mid = from;
        while (mid < to && _x[mid] < midX)
        {
            mid++;
        }

        if (mid - from < MinWindowPoints / 2 || to - mid < MinWindowPoints / 2 || !(b > 0))
        {
            return SlopeModelError;
        }

        double d = Math.Abs(FitSlope(mid, to) - FitSlope(from, mid)) / b;
        return double.IsFinite(d) ? Math.Clamp(d, MinSlopeModelError, SlopeModelError) : SlopeModelError;
    }

    private double FitSlope(int from, int to)
    {
        int n = to - from;
        if (n <= MaxFitPoints)
        {
            return RobustStats.TheilSen(_x.AsSpan(from, n), _y.AsSpan(from, n), _pairs);
        }

        // Even subsample keeps Theil–Sen at ≤ 1128 pair slopes per fit (bounded CPU per bucket).
        Span<double> xs = stackalloc double[MaxFitPoints];
        Span<double> ys = stackalloc double[MaxFitPoints];
        for (int i = 0; i < MaxFitPoints; i++)
        {
            int j = from + (int)((long)i * (n - 1) / (MaxFitPoints - 1));
            xs[i] = _x[j];
            ys[i] = _y[j];
        }

        return RobustStats.TheilSen(xs, ys, _pairs);
    }

    /// <summary>Long-run rate of a step series: the median of the last 2 h minus the median of the first 2 h of the
    /// window, over the time between them. Theil–Sen sees flat stretches between jumps and returns ~0.</summary>
    private double EndpointSlope(int n)
    {
        int a = 0;
        while (a < n && _x[a] - _x[0] < 2)
        {
            _tmp[a] = _y[a];
            a++;
        }

        double first = RobustStats.Median(_tmp.AsSpan(0, a));
        double xa = 0.5 * (_x[0] + _x[a - 1]);
        int m = 0;
        for (int j = n - 1; j >= 0 && _x[n - 1] - _x[j] < 2; j--)
        {
            _tmp[m++] = _y[j];
        }

        double last = RobustStats.Median(_tmp.AsSpan(0, m));
        double xb = 0.5 * (_x[n - 1] + _x[n - m]);
        return xb - xa > 1 ? (last - first) / (xb - xa) : 0;
    }

    private static readonly double[] TauGridHours = [1, 2, 3, 5, 8, 12, 20];

    /// <summary>Whether the two largest successive changes in [from, to) carry over half of the window's range and
    /// both stand far above the bucket noise (noisy CPU has big single changes too, but not clean jumps).</summary>
    private bool StepLike(int from, int to, double noise)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, first = 0, second = 0;
        for (int j = from; j < to; j++)
        {
            lo = Math.Min(lo, _y[j]);
            hi = Math.Max(hi, _y[j]);
            if (j > from)
            {
                double d = Math.Abs(_y[j] - _y[j - 1]);
                if (d > first)
                {
                    second = first;
                    first = d;
                }
                else if (d > second)
                {
                    second = d;
                }
            }
        }

        return hi - lo > 0 && first + second > 0.5 * (hi - lo) && second > 4 * noise;
    }

    /// <summary>Bucket noise from successive differences (1.4826·MAD/√2): unlike line residuals, curvature hardly inflates it.</summary>
    private double DifferenceNoise(int n)
    {
        int from = FirstAtOrAfter(n, -6);
        int m = 0;
        for (int j = Math.Max(from, 1); j < n; j++)
        {
            _tmp[m++] = Math.Abs(_y[j] - _y[j - 1]);
        }

        return m < 5 ? double.PositiveInfinity : Math.Max(1e-3, 1.4826 * RobustStats.Median(_tmp.AsSpan(0, m)) / Math.Sqrt(2));
    }

    private bool SaturatesBelow(int n, double thrEff, double sigma)
    {
        // Several window lengths: a fill that began a few hours ago after a flat stretch shows its shape in the
        // shorter windows first, while the longer ones still straddle the flat part.
        return SaturatesBelow(n, thrEff, sigma, 6) || SaturatesBelow(n, thrEff, sigma, 4) || SaturatesBelow(n, thrEff, sigma, 3);
    }

    private bool SaturatesBelow(int n, double thrEff, double sigma, double hours)
    {
        int from = FirstAtOrAfter(n, -hours);
        int m = n - from;
        if (m < 15 || _x[n - 1] - _x[from] < hours * 0.75)
        {
            return false;
        }

        // A step (disk usage jumping when a batch lands) is not a fill: one successive change carries a large
        // part of the whole rise, where a smooth fill spreads it over many buckets.
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, maxStep = 0;
        for (int j = from; j < n; j++)
        {
            lo = Math.Min(lo, _y[j]);
            hi = Math.Max(hi, _y[j]);
            if (j > from)
            {
                maxStep = Math.Max(maxStep, Math.Abs(_y[j] - _y[j - 1]));
            }
        }

        if (maxStep > 0.3 * (hi - lo))
        {
            return false;
        }

        double lineSse = LeastSquaresSse(from, n, 0, out _, out _);
        double bestSse = double.PositiveInfinity, bestL = double.NaN, bestA = 0;
        foreach (double tau in TauGridHours)
        {
            double sse = LeastSquaresSse(from, n, tau, out double l, out double amp);
            if (sse < bestSse)
            {
                bestSse = sse;
                bestL = l;
                bestA = amp;
            }
        }

        // Better than the line by a margin beyond noise, rising (A > 0), and levelling off below the threshold.
        // The curve must also be smooth (residuals near the noise floor): a step in disk usage fits an
        // exponential better than a line too, but it fits neither well.
        return bestA > 0 && bestSse < 0.7 * lineSse && lineSse - bestSse > 2 * sigma * sigma
            && bestSse < m * 9 * sigma * sigma && bestL < thrEff - Math.Max(1, sigma);
    }

    /// <summary>Least squares y ≈ c + k·g(x) over [from, to), g(x) = x when <paramref name="tau"/> is 0 and
    /// −e^(−(x − x_from)/τ) otherwise; returns the residual sum of squares. (No delegate: no allocation per bucket.)</summary>
    private double LeastSquaresSse(int from, int to, double tau, out double c, out double k)
    {
        double n = to - from, sg = 0, sy = 0, sgg = 0, sgy = 0;
        for (int j = from; j < to; j++)
        {
            double gj = G(from, j, tau);
            sg += gj;
            sy += _y[j];
            sgg += gj * gj;
            sgy += gj * _y[j];
        }

        double den = n * sgg - sg * sg;
        k = den > 1e-12 ? (n * sgy - sg * sy) / den : 0;
        c = (sy - k * sg) / n;
        double sse = 0;
        for (int j = from; j < to; j++)
        {
            double r = _y[j] - c - k * G(from, j, tau);
            sse += r * r;
        }

        return sse;
    }

    private double G(int from, int j, double tau) => tau == 0 ? _x[j] : -Math.Exp(-(_x[j] - _x[from]) / tau);

    private int FirstAtOrAfter(int n, double x)
    {
        int j = n;
        while (j > 0 && _x[j - 1] >= x)
        {
            j--;
        }

        return j;
    }

    private double Centre(int from, int to) => 0.5 * (_x[from] + _x[to - 1]);

    private double SlopeSe(int from, int to, double sigma)
    {
        double xbar = 0;
        for (int j = from; j < to; j++)
        {
            xbar += _x[j];
        }

        xbar /= to - from;
        double sxx = 0;
        for (int j = from; j < to; j++)
        {
            sxx += (_x[j] - xbar) * (_x[j] - xbar);
        }

        return sigma / Math.Sqrt(Math.Max(sxx, 1e-9));
    }

    /// <summary>Robust residual scale around the Theil–Sen line and an autocorrelation inflation factor.</summary>
    private (double Sigma, double Inflation) Residuals(int from, int to, double slope)
    {
        int n = to - from;
        for (int j = 0; j < n; j++)
        {
            _tmp[j] = _y[from + j] - slope * _x[from + j];
        }

        Span<double> work = _pairs.AsSpan(0, Math.Min(n, _pairs.Length));
        if (n > work.Length)
        {
            work = new double[n];
        }

        _tmp.AsSpan(0, n).CopyTo(work);
        double icpt = RobustStats.Median(work[..n]);
        for (int j = 0; j < n; j++)
        {
            _tmp[j] -= icpt;
        }

        double sigma = RobustStats.MadSigma(_tmp.AsSpan(0, n), 0, work);
        double num = 0, den = 0;
        for (int j = 0; j < n; j++)
        {
            den += _tmp[j] * _tmp[j];
            if (j > 0)
            {
                num += _tmp[j] * _tmp[j - 1];
            }
        }

        // Lag-1 autocorrelation of residuals: n correlated residuals carry the information of far fewer
        // independent ones, so standard errors grow by sqrt((1+ρ)/(1−ρ)).
        double rho = den > 0 ? Math.Clamp(num / den, 0, 0.9) : 0;
        return (Math.Max(sigma, 1e-3), Math.Sqrt((1 + rho) / (1 - rho)));
    }

    /// <summary>
    /// Forecasts the series <paramref name="horizon"/> after the last sample, from the trend fitted at the last closed
    /// bucket: the level since the last reset, the Theil–Sen slope (with the acceleration or damping the predictions
    /// use, when significant) and the daily profile once it is trusted. <see cref="Forecast.Lower"/> and
    /// <see cref="Forecast.Upper"/> bound a single future sample at <see cref="ThresholdPolicy.IntervalLevel"/>
    /// (default 80 %): level and slope uncertainty (with the 40 % slope model error) plus bucket residual and sample
    /// noise. Returns false before <see cref="ThresholdPolicy.MinHistory"/>, and from a reset until the new trend
    /// spans 2 h and 10 buckets. Allocation-free; the fit is cached per closed bucket.
    /// </summary>
    /// <remarks>
    /// Nothing is clamped: a percentage series may get a forecast above 100 or below 0, which the caller may clamp.
    /// Vetoes that stop a prediction (saturation, regular resets, day-over-day guard) do not change the trend drawn
    /// here; when the prediction path stopped before fitting (incident quiet time, a slope that turned), the same
    /// window is fitted with the plain recent slope.
    /// </remarks>
    /// <param name="horizon">How far after the last sample, in [0, 30 days].</param>
    /// <param name="forecast">The forecast, or default when false is returned.</param>
    public bool TryForecast(TimeSpan horizon, out Forecast forecast)
    {
        if (horizon < TimeSpan.Zero || horizon > TimeSpan.FromDays(30))
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "forecast horizon must be in [0, 30 days]");
        }

        forecast = default;
        if (_ringCount == 0 || _lastMs - _firstMs < (long)_policy.MinHistory.TotalMilliseconds)
        {
            return false;
        }

        long lastIdx = _ringIdx[RingPos(0)];
        if (_model.Idx != lastIdx)
        {
            // Not fitted at this bucket yet: after Restore, or when the evaluation was skipped (quiet time after an
            // incident) or stopped before the fit.
            if (_projectedIdx != lastIdx)
            {
                _ = Project(_lastMs, lastIdx);
                _projectedIdx = lastIdx;
            }

            if (_model.Idx != lastIdx)
            {
                FitRecentLine(lastIdx);
            }
        }

        TrendModel m = _model;
        if (!m.Valid)
        {
            return false;
        }

        long at = _lastMs + (long)horizon.TotalMilliseconds;
        double t = (at - m.Idx * _bucketMs) / 3_600_000.0;
        double trend = m.Lambda > 0
            ? m.Level + m.Slope * (1 - Math.Exp(-m.Lambda * t)) / m.Lambda
            : m.Level + m.Slope * t + 0.5 * m.Curvature * t * t;
        long atIdx = Math.DivRem(at, _bucketMs, out long rem);
        if (rem < 0)
        {
            atIdx--;
        }

        double predicted = trend + Seasonal(atIdx, m.Centre, m.Seasonal);
        double sampleNoise = double.IsNaN(_sampleSigma) ? 0 : _sampleSigma;
        double var = m.LevelSe * m.LevelSe + m.SlopeSe * m.SlopeSe * t * t + m.CurvatureSe * m.CurvatureSe * t * t * t * t / 4
            + m.Sigma * m.Sigma + sampleNoise * sampleNoise;
        double half = _z * Math.Sqrt(var);
        forecast = new Forecast(at, predicted, predicted - half, predicted + half);
        return true;
    }

    /// <summary>
    /// The plain trend of the window <see cref="Project"/> uses (since the last reset, ≤ 24 h, de-seasonalised):
    /// Theil–Sen slope over the last 8 h and the level over the last 2 h. Records an invalid model when the window
    /// is too short.
    /// </summary>
    private void FitRecentLine(long nowIdx)
    {
        _model = TrendModel.Invalid(nowIdx);
        long from = nowIdx - (long)(WindowHours * 3_600_000 / _bucketMs);
        if (_resetIdx != long.MinValue)
        {
            from = Math.Max(from, _resetIdx);
        }

        bool seasonal = ProfileActive(out double centre);
        int n = 0;
        for (int i = 0; i < _ringCount && _ringIdx[RingPos(i)] >= from; i++)
        {
            n++;
        }

        if (n < MinWindowPoints)
        {
            return;
        }

        for (int j = 0; j < n; j++)
        {
            int p = RingPos(n - 1 - j);
            _x[j] = (_ringIdx[p] - nowIdx) * _bucketMs / 3_600_000.0;
            _y[j] = _ringMed[p] - Seasonal(_ringIdx[p], centre, seasonal);
        }

        int recentStart = FirstAtOrAfter(n, -RecentHours);
        if (_x[n - 1] - _x[0] < MinWindowHours || n - recentStart < MinWindowPoints || _x[n - 1] - _x[recentStart] < MinWindowHours)
        {
            return;
        }

        double b = FitSlope(recentStart, n);
        (double resSigma, double infl) = Residuals(recentStart, n, b);
        double sigma = resSigma * infl;
        double se = SlopeSe(recentStart, n, sigma);
        int recent = 0;
        for (int j = n - 1; j >= 0 && _x[j] >= -2; j--)
        {
            _tmp[recent++] = _y[j] - b * _x[j];
        }

        if (recent < 3)
        {
            return;
        }

        double level = RobustStats.Median(_tmp.AsSpan(0, recent));
        _model = new TrendModel(nowIdx, level, b, 0, 0, 1.2533 * sigma / Math.Sqrt(recent),
            Math.Sqrt(se * se + SlopeModelError * SlopeModelError * b * b), 0, resSigma, seasonal, centre);
    }

    /// <summary>A fitted trend at bucket <paramref name="Idx"/> (x = 0 at its start, hours): level, slope per hour,
    /// curvature or damping rate, their standard errors, the bucket residual scale and the profile in use.</summary>
    private readonly record struct TrendModel(long Idx, double Level, double Slope, double Curvature, double Lambda,
        double LevelSe, double SlopeSe, double CurvatureSe, double Sigma, bool Seasonal, double Centre)
    {
        public static TrendModel None => Invalid(long.MinValue);

        public bool Valid => !double.IsNaN(Level);

        public static TrendModel Invalid(long idx) => new(idx, double.NaN, 0, 0, 0, 0, 0, 0, 0, false, 0);
    }

    /// <summary>Writes the bounded state (a few KiB): buckets, open bucket, profile, teeth and the standing prediction.</summary>
    public void WriteState(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var w = new StateWriter(writer);
        w.Int(StateVersion);
        w.Long(_bucketMs);
        w.Long(_firstMs);
        w.Long(_lastMs);
        w.Double(_sampleSigma);
        w.Long(_curIdx);
        w.Int(_curCount);
        for (int i = 0; i < Math.Min(_curCount, MaxBucketSamples); i++)
        {
            w.Double(_cur[i]);
        }

        w.Int(_ringCount);
        for (int i = _ringCount - 1; i >= 0; i--)
        {
            w.Long(_ringIdx[RingPos(i)]);
            w.Double(_ringMed[RingPos(i)]);
        }

        for (int i = 0; i < _slotsPerDay; i++)
        {
            w.Double(_profile[i]);
            w.Int(_profileVisits[i]);
        }

        w.Double(_errWith);
        w.Double(_errWithout);
        w.Int(_validated);
        w.Long(_resetIdx);
        w.Int(_teeth);
        for (int i = 0; i < MaxTeeth; i++)
        {
            w.Double(_toothHours[i]);
            w.Double(_toothPeak[i]);
            w.Int(_toothFlat[i] ? 1 : 0);
        }

        w.Int(_confirm);
        w.Long(_quietUntilIdx);
        w.Int(_etaCount);
        w.Int(_etaMisses);
        for (int i = 0; i < _etaCount; i++)
        {
            w.Long(_etaAt[i]);
            w.Long(_eta[i]);
        }
        w.Int(_current is null ? 0 : 1);
        if (_current is { } p)
        {
            w.Long(p.AlertTimeUnixMs);
            w.Long(p.EtaUnixMs);
            w.Long(p.LowUnixMs);
            w.Long(p.HighUnixMs);
            w.Double(p.Probability);
        }

        // Appended after the version-1 fields: a reader of the older layout ignores it, and state written before
        // it existed restores with "not above the threshold".
        w.Long(_aboveSinceMs);
    }

    /// <summary>Restores a predictor from <see cref="WriteState"/> output; throws <see cref="FormatException"/> on bad or mismatched state.</summary>
    public static ThresholdPredictor Restore(ReadOnlySpan<byte> state, ThresholdPolicy policy)
    {
        var p = new ThresholdPredictor(policy);
        var r = new StateReader(state);
        if (r.Int() != StateVersion)
        {
            throw new FormatException("threshold predictor state: unknown version");
        }

        if (r.Long() != p._bucketMs)
        {
            throw new FormatException("threshold predictor state: bucket width differs from the policy");
        }

        p._firstMs = r.Long();
        p._lastMs = r.Long();
        p._sampleSigma = r.Double();
        p._curIdx = r.Long();
        p._curCount = r.Int();
        if (p._curCount < 0)
        {
            throw new FormatException("threshold predictor state: negative bucket count");
        }

        for (int i = 0; i < Math.Min(p._curCount, MaxBucketSamples); i++)
        {
            p._cur[i] = r.Double();
        }

        int count = r.Int();
        if (count < 0 || count > p._capacity)
        {
            throw new FormatException("threshold predictor state: bucket count out of range");
        }

        for (int i = 0; i < count; i++)
        {
            p._ringIdx[i] = r.Long();
            p._ringMed[i] = r.Double();
        }

        p._ringCount = count;
        p._ringHead = count % p._capacity;
        for (int i = 0; i < p._slotsPerDay; i++)
        {
            p._profile[i] = r.Double();
            p._profileVisits[i] = r.Int();
        }

        p._errWith = r.Double();
        p._errWithout = r.Double();
        p._validated = r.Int();
        p._resetIdx = r.Long();
        p._teeth = r.Int();
        for (int i = 0; i < MaxTeeth; i++)
        {
            p._toothHours[i] = r.Double();
            p._toothPeak[i] = r.Double();
            p._toothFlat[i] = r.Int() == 1;
        }

        p._confirm = r.Int();
        p._quietUntilIdx = r.Long();
        p._etaCount = r.Int();
        p._etaMisses = r.Int();
        if (p._etaCount is < 0 or > EtaHistory)
        {
            throw new FormatException("threshold predictor state: ETA history out of range");
        }

        for (int i = 0; i < p._etaCount; i++)
        {
            p._etaAt[i] = r.Long();
            p._eta[i] = r.Long();
        }
        if (r.Int() == 1)
        {
            p._current = new Prediction(r.Long(), r.Long(), r.Long(), r.Long(), r.Double());
        }

        if (r.Remaining >= 8)
        {
            p._aboveSinceMs = r.Long();
        }

        return p;
    }

    private readonly ref struct StateWriter(IBufferWriter<byte> writer)
    {
        private readonly IBufferWriter<byte> _w = writer;

        public void Int(int v)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_w.GetSpan(4), v);
            _w.Advance(4);
        }

        public void Long(long v)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_w.GetSpan(8), v);
            _w.Advance(8);
        }

        public void Double(double v)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_w.GetSpan(8), v);
            _w.Advance(8);
        }
    }

    private ref struct StateReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _d = data;
        private int _pos;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (_pos + n > _d.Length)
            {
                throw new FormatException($"threshold predictor state: truncated at byte {_pos}");
            }

            ReadOnlySpan<byte> s = _d.Slice(_pos, n);
            _pos += n;
            return s;
        }

        public readonly int Remaining => _d.Length - _pos;

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
    }
}
