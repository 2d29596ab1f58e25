namespace Aiops.Analytics.Anomaly;

/// <summary>
/// The default streaming detector (<c>aiops</c>): calibrated surprise of four views of the series, re-calibrated
/// against the series' own history of surprise, with alert memory so one incident gives one burst of high scores.
/// </summary>
/// <remarks>
/// <para>Per point, after a warm-up of <see cref="WarmUpPoints"/> points that fixes the location and scale (its
/// values are then replayed through the four view histograms and means, so scoring starts from 149 points of
/// history rather than from empty histograms). A series whose warm-up values are all non-negative integers is
/// treated as a count and judged on the square-root scale, where Poisson-like noise is equally wide at every
/// level:</para>
/// <list type="number">
/// <item>Four standardised views: the value, the step from the previous value, and fast (α 0.1) and slow
/// (α 0.02) exponential means. Each has a forgetting histogram (memory ≈ 5000 points) that gives the surprise
/// −ln p of the current point, in nats: p is the mass of values no denser than this one for the value view,
/// the two-sided tail mass for the others. Together they see spikes and dips (value, step), level
/// shifts and sustained drifts that no single point shows (the means), whatever the distribution's shape.</item>
/// <item>The four surprises add up (the views are correlated, which is why step 3 exists). The raw surprise is
/// then ranked against this series' own history of raw surprise (a second forgetting histogram of 48 one-nat bins, memory ≈ 10000
/// points): a noisy series that surprises itself every day must do better than usual to alert, a quiet one
/// alerts on its first real break. The final surprise is the mean of the raw and the re-calibrated one.</item>
/// <item>Score = 1 − exp(−surprise/8). A point only scores when it beats the alert memory (the recent maximum
/// alert-level score, ≥ 0.5, fading by 0.2 % per point), and then by its excess over 0.3·memory: NAB-style
/// scoring, like operators, rewards the first alert of an incident and penalises its echoes. A point more than
/// 16 nats more surprising than the alert that set the memory is a larger, new event and is not discounted
/// (the score saturates near 1, so the discount alone would cap it at 1 − 0.3·memory).</item>
/// <item>Alarm budget: every recent alert (score above 0.5, decayed with a memory of ≈ 5000 points) takes 0.005
/// off the score, so a series that alerts every few hundred points (bursty counts) must beat its own habit to
/// alert again while a quiet series loses nothing.</item>
/// <item>Daily view (added to the raw surprise of step 2): the residual of the value from its hour-of-day profile
/// (24 UTC-hour slots, 5 % per visit), √2·|r|/σ_r nats × 0.5, gated by the series' own daily R² (0 below 0.5,
/// full above 0.8, off for the first 300 scored points), so it only speaks on strongly daily series.</item>
/// </list>
/// <para>Per point: O(bins) = O(1) time, no allocation. State: <see cref="SnapshotBytes"/> bytes.</para>
/// </remarks>
public sealed class AiopsDetector : IStreamingDetector
{
    /// <summary>Factory name: <c>aiops</c>.</summary>
    public const string DetectorName = "aiops";

    /// <summary>
    /// Points used to learn location and scale before any score is given (default 150). NAB does not score the
    /// first 15 % of a file (at least 150 rows for its shortest files), so this warm-up never hides a labelled row
    /// there; in production it is 12.5 hours of 5-minute data.
    /// </summary>
    public const int WarmUpPoints = 150;

    /// <summary>Snapshot size in bytes (fixed; ≤ 1 KiB).</summary>
    public const int SnapshotBytes =
        1 + 1 + 4 + (8 * 8) + (Views * ((FeatureBins + 1) * 4)) + ((MetaBins + 1) * 4) + (DaySlots * 2) + (4 * 4);

    // 5: a flags byte (count series) after the version; during the warm-up the view histograms' slots hold the
    // warm-up values (replayed at its end). 6: the daily view's hour-of-day profile (24 halves) and its three
    // exponential means (floats) at the end. 7: the surprise of the alert that set the alert memory (a float, last).
    private const byte SnapshotVersion = 7;
    private const int Views = 4;
    private const int FeatureBins = 40;
    private const double FeatureBinsPerNat = 3.0;
    private const double FeatureForgetting = 1.0 / 5000;

    // Compile-time check that the warm-up values fit in the view histograms' slots (a negative constant
    // cannot be converted to uint): WarmUpPoints ≤ Views × FeatureBins.
    private const uint WarmUpFitsInViews = Views * FeatureBins - WarmUpPoints;
    private const int MetaBins = 48;
    private const double MetaBinsPerNat = 1.0;
    private const double MetaForgetting = 1.0 / 10000;
    private const double MetaMix = 0.5;
    private const double FastAlpha = 0.1;
    private const double SlowAlpha = 0.02;
    private const double ScoreScaleNats = 8.0;
    private const double AlertMemoryDecay = 0.998;
    private const double EchoDiscount = 0.3;

    // A point this many nats (two score scales) more surprising than the alert that set the memory is a new event,
    // not an echo. On the 41 NAB files every margin from 16 to 40 leaves the figures unchanged (such a point scores
    // ≥ 1 − e⁻²·(1 − memory), so ≥ 0.70 even after the full discount, above NAB's optimal threshold ≈ 0.52); it
    // matters at the grains' 0.75.
    private const double EchoMarginNats = 16.0;

    private const double AlarmMemory = 5000;
    private const double AlarmDiscount = 0.005;
    private const double AlarmLevel = 0.5;

    // Daily view (hour-of-day profile), active only on series whose own history is strongly daily.
    private const int DaySlots = 24;
    private const long MsPerHour = 3_600_000;
    private const float ProfileAlpha = 0.05f;
    private const float DailyStatsAlpha = 1f / 2000;
    private const double DailyGateLow = 0.5;
    private const double DailyGateHigh = 0.8;
    private const double DailyWeight = 0.5;
    private const int DailyMinScored = 300;

    private readonly DecayingHistogram[] _views =
    [
        new(FeatureBins, FeatureForgetting), new(FeatureBins, FeatureForgetting),
        new(FeatureBins, FeatureForgetting), new(FeatureBins, FeatureForgetting),
    ];

    private readonly DecayingHistogram _meta = new(MetaBins, MetaForgetting);

    // Hour-of-day profile of the standardised value (NaN: slot not visited yet), kept in half precision to fit
    // the 1 KiB snapshot; and the exponential means behind the daily gate: mean square of the residual from the
    // profile, mean square deviation of the value from its own slow level, and that level.
    private readonly Half[] _profile = EmptyProfile();
    private float _residualSquares;
    private float _spreadSquares;
    private float _level;
    private int _count;
    private double _mean;
    private double _m2;
    private double _scale;
    private double _previous;
    private double _fast;
    private double _slow;
    private double _alertMemory;

    // Surprise (nats) of the alert that set _alertMemory: the echo discount spares points far beyond it.
    private float _memorySurprise;
    private double _alarms;

    // During the warm-up: every value so far is a non-negative integer. After it: the series is a count and
    // every value goes through CountScale first.
    private bool _counts;

    public string Name => DetectorName;

    /// <inheritdoc/>
    /// <remarks>Non-finite values are ignored (score 0, state unchanged): one bad sample must not poison the model.</remarks>
    public double Update(long timestampUnixMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0.0;
        }

        _count++;
        if (_count <= WarmUpPoints)
        {
            WarmUp(value);
            return 0.0;
        }

        if (_counts)
        {
            value = CountScale(value);
        }

        _fast += FastAlpha * (value - _fast);
        _slow += SlowAlpha * (value - _slow);
        // The value is judged by density (a level between a bimodal series' usual two is rare even though it
        // is in no tail); steps and means by their tails, where their anomalies live.
        double z = (value - _mean) / _scale;
        double surprise =
            View(0, z, byDensity: true) +
            View(1, (value - _previous) / _scale, byDensity: false) +
            View(2, (_fast - _mean) / _scale, byDensity: false) +
            View(3, (_slow - _mean) / _scale, byDensity: false) +
            Daily(timestampUnixMs, z);
        _previous = value;

        int metaBin = (int)Math.Clamp(surprise * MetaBinsPerNat, 0, MetaBins - 1);
        double recalibrated = _meta.UpperSurprise(metaBin);
        _meta.Add(metaBin);
        surprise = (MetaMix * recalibrated) + ((1 - MetaMix) * surprise);

        double score = 1.0 - Math.Exp(-surprise / ScoreScaleNats);
        double memory = _alertMemory;
        // Echo discount, unless the point is far more surprising than the alert that set the memory. The score
        // saturates near 1, so "score − 0.3·memory" alone caps every later point at 1 − 0.3·memory: after a few
        // noise alerts at 0.6–0.7 a sustained 17σ level shift (≈ 55 nats against the noise alerts' ≈ 8) came out
        // at 0.73–0.74 live (0.78–0.80 in the unit test's simulation), under the grains' threshold of 0.75. A point more than
        // EchoMarginNats beyond the remembered surprise is a new, larger event, not an echo: it is not discounted.
        double echo = surprise > _memorySurprise + EchoMarginNats ? 0.0 : EchoDiscount * memory;
        // Only alert-level scores enter the memory: a sub-threshold wiggle must not mask (or, through the echo
        // discount, shrink) a real event that follows it; what the memory is for is the echoes of an alert.
        if (score >= AlarmLevel && score >= _alertMemory * AlertMemoryDecay)
        {
            _alertMemory = score;
            _memorySurprise = (float)surprise;
        }
        else
        {
            _alertMemory *= AlertMemoryDecay;
        }

        double output = score > memory ? Math.Max(0.0, score - echo) : 0.0;
        // Alarm budget: a series that has alerted often lately (bursty counts such as tweets) must beat its own
        // habit to alert again; each recent alert (decayed, memory ≈ 5000 points) costs 0.005 of score, so a
        // quiet series loses nothing and one alerting every few hundred points loses ~0.05.
        _alarms *= 1.0 - (1.0 / AlarmMemory);
        double discounted = Math.Max(0.0, output - (AlarmDiscount * _alarms));
        if (output > AlarmLevel)
        {
            _alarms += 1.0;
        }

        return discounted;
    }

    private double View(int view, double z, bool byDensity)
    {
        var histogram = _views[view];
        int bin = DecayingHistogram.SignedLogBin(z, FeatureBins, FeatureBinsPerNat);
        double surprise = byDensity ? histogram.DensitySurprise(bin) : histogram.TwoSidedSurprise(bin);
        histogram.Add(bin);
        return surprise;
    }

    private static Half[] EmptyProfile()
    {
        var profile = new Half[DaySlots];
        Array.Fill(profile, Half.NaN);
        return profile;
    }

    /// <summary>
    /// Surprise of the value's residual from its hour-of-day profile, weighted by how daily the series is.
    /// </summary>
    /// <remarks>
    /// A day without its usual daytime rise (art_daily_nojump), or a busy hour at night, stays inside the
    /// series' usual range, so the value, step and mean views barely see it; against the same hour on previous
    /// days it is far out. The view only counts on series whose own history is strongly daily: the gate is
    /// R² = 1 − E[residual²] / E[(z − level)²] (both exponential means, memory ≈ 2000 points), weight 0 below
    /// 0.5, full above 0.8, and nothing before 300 scored points (an R² from a day or two of data is noise). On
    /// every other series the view is silent, which is why it costs no false positives there (earlier attempts
    /// that applied a seasonal view to every series lost up to 7 points on the low-FP profile). Slots are
    /// UTC hours of the timestamp; each visit moves its slot 5 % towards the value. The tail is Laplace-like,
    /// √2·|r|/σ_r nats (σ_r² = E[residual²]), heavier than a Gaussian one because residuals of real series are
    /// heavy-tailed, and it is weighted 0.5 because the re-calibration histogram already sees the sum.
    /// </remarks>
    private double Daily(long timestampUnixMs, double z)
    {
        long hour = timestampUnixMs / MsPerHour;
        int slot = (int)(((hour % DaySlots) + DaySlots) % DaySlots);
        float zf = (float)z;
        _level += DailyStatsAlpha * (zf - _level);
        _spreadSquares += DailyStatsAlpha * (((zf - _level) * (zf - _level)) - _spreadSquares);
        Half expected = _profile[slot];
        if (Half.IsNaN(expected))
        {
            _profile[slot] = (Half)zf;
            return 0;
        }

        float residual = zf - (float)expected;
        double surprise = 0;
        if (_count - WarmUpPoints > DailyMinScored && _residualSquares > 0 && _spreadSquares > 0)
        {
            double r2 = 1.0 - (_residualSquares / _spreadSquares);
            double gate = Math.Clamp((r2 - DailyGateLow) / (DailyGateHigh - DailyGateLow), 0, 1);
            if (gate > 0)
            {
                surprise = DailyWeight * gate * Math.Sqrt(2) * Math.Abs(residual) / Math.Sqrt(_residualSquares);
            }
        }

        _residualSquares += DailyStatsAlpha * ((residual * residual) - _residualSquares);
        _profile[slot] = (Half)((float)expected + (ProfileAlpha * residual));
        return surprise;
    }

    private void WarmUp(double value)
    {
        // Welford: exact mean and variance of the warm-up. The values themselves are parked for the replay below
        // in the still empty view histograms (4 × 40 float slots ≥ 150) as offsets from the first value, which
        // _fast (unused until the warm-up ends) keeps: offsets are exact for integers and for a flat series, so
        // a replayed value never lands in a different bin than the same value arriving live.
        int i = _count - 1;
        if (_count == 1)
        {
            _fast = value;
        }

        _views[i / FeatureBins].Slots[i % FeatureBins] = (float)(value - _fast);
        _counts = (_count == 1 || _counts) && value >= 0 && value == Math.Floor(value);
        double delta = value - _mean;
        _mean += delta / _count;
        _m2 += delta * (value - _mean);
        _previous = value;
        if (_count == WarmUpPoints)
        {
            if (_counts)
            {
                CountWarmUp();
            }

            // A flat warm-up has no spread: fall back to 0.1 % of the level (or a tiny absolute floor) so the
            // first real movement is very surprising, which it is.
            double floor = Math.Max(Math.Abs(_mean) * 1e-3, 1e-9);
            _scale = Math.Max(Math.Sqrt(_m2 / (_count - 1)), floor);
            ReplayWarmUp();
        }
    }

    /// <summary>The i-th warm-up value as it will be judged (count series on the square-root scale).</summary>
    private double Parked(int i)
    {
        double v = _fast + _views[i / FeatureBins].Slots[i % FeatureBins];
        return _counts ? CountScale(v) : v;
    }

    /// <summary>
    /// Count series (every warm-up value a non-negative integer: events per interval, tweets, requests) are
    /// judged on the square-root scale, which makes Poisson-like noise equally wide at every level: without it
    /// the day's busy hours (noise ∝ √level) look anomalous against a scale learnt partly at night, and a burst
    /// from 3 to 18 counts as much as one from 300 to 315. Recomputes location and spread on that scale.
    /// </summary>
    private void CountWarmUp()
    {
        double mean = 0, m2 = 0;
        for (int i = 0; i < WarmUpPoints; i++)
        {
            double v = Parked(i);
            double delta = v - mean;
            mean += delta / (i + 1);
            m2 += delta * (v - mean);
        }

        _mean = mean;
        _m2 = m2;
        _previous = CountScale(_previous);
    }

    /// <summary>Signed square root: the variance-stabilising scale of counts; a (surprising) negative value stays negative.</summary>
    private static double CountScale(double value) => Math.Sign(value) * Math.Sqrt(Math.Abs(value));

    /// <summary>
    /// Feeds the warm-up values, now that location and scale are known, through the four views (histograms
    /// only: the re-calibration histogram is left to real surprises). Without it the first scored points meet
    /// empty histograms, score near 1 and set an alert memory that hides real events a few hundred points
    /// later (short series with early anomalies); the two means also start from the warm-up's own history
    /// instead of from its last value.
    /// </summary>
    private void ReplayWarmUp()
    {
        Span<double> warm = stackalloc double[WarmUpPoints];
        for (int i = 0; i < WarmUpPoints; i++)
        {
            warm[i] = Parked(i);
        }

        foreach (var h in _views)
        {
            h.Clear();
        }

        double previous = warm[0], fast = previous, slow = previous;
        for (int i = 1; i < WarmUpPoints; i++)
        {
            double v = warm[i];
            fast += FastAlpha * (v - fast);
            slow += SlowAlpha * (v - slow);
            Add(0, (v - _mean) / _scale);
            Add(1, (v - previous) / _scale);
            Add(2, (fast - _mean) / _scale);
            Add(3, (slow - _mean) / _scale);
            previous = v;
        }

        _fast = fast;
        _slow = slow;
    }

    private void Add(int view, double z) =>
        _views[view].Add(DecayingHistogram.SignedLogBin(z, FeatureBins, FeatureBinsPerNat));

    public void WriteState(System.Buffers.IBufferWriter<byte> output)
    {
        var w = new SnapshotWriter(output.GetSpan(SnapshotBytes));
        w.Byte(SnapshotVersion);
        w.Byte(_counts ? (byte)1 : (byte)0);
        w.Int(_count);
        w.Double(_mean);
        w.Double(_m2);
        w.Double(_scale);
        w.Double(_previous);
        w.Double(_fast);
        w.Double(_slow);
        w.Double(_alertMemory);
        w.Double(_alarms);
        foreach (var h in _views)
        {
            h.Write(ref w);
        }

        _meta.Write(ref w);
        foreach (var p in _profile)
        {
            w.Half(p);
        }

        w.Float(_residualSquares);
        w.Float(_spreadSquares);
        w.Float(_level);
        w.Float(_memorySurprise);
        output.Advance(w.Written);
    }

    internal static AiopsDetector Restore(ReadOnlySpan<byte> state)
    {
        var r = new SnapshotReader(state);
        byte version = r.Byte();
        if (version != SnapshotVersion)
        {
            throw new FormatException($"aiops detector snapshot version {version}, expected {SnapshotVersion}");
        }

        byte flags = r.Byte();
        if (flags > 1)
        {
            throw new FormatException($"aiops detector snapshot: unknown flags {flags}");
        }

        var d = new AiopsDetector
        {
            _counts = flags == 1,
            _count = r.Int(),
            _mean = r.Double(),
            _m2 = r.Double(),
            _scale = r.Double(),
            _previous = r.Double(),
            _fast = r.Double(),
            _slow = r.Double(),
            _alertMemory = r.Double(),
            _alarms = r.Double(),
        };
        foreach (var h in d._views)
        {
            h.Read(ref r);
        }

        d._meta.Read(ref r);
        for (int i = 0; i < DaySlots; i++)
        {
            // NaN marks a slot not visited yet; an infinite one cannot come from a finite series.
            d._profile[i] = r.Half();
            if (Half.IsInfinity(d._profile[i]))
            {
                throw new FormatException($"aiops detector snapshot: corrupt hour-of-day profile slot {i}");
            }
        }

        d._residualSquares = r.Float();
        d._spreadSquares = r.Float();
        d._level = r.Float();
        d._memorySurprise = r.Float();
        if (!(d._residualSquares >= 0) || !(d._spreadSquares >= 0) || !float.IsFinite(d._level) ||
            float.IsInfinity(d._residualSquares) || float.IsInfinity(d._spreadSquares))
        {
            throw new FormatException("aiops detector snapshot: corrupt daily-view statistics");
        }

        if (!(d._memorySurprise >= 0) || float.IsInfinity(d._memorySurprise))
        {
            throw new FormatException("aiops detector snapshot: corrupt alert-memory surprise");
        }

        if (!r.AtEnd)
        {
            throw new FormatException($"aiops detector snapshot has {state.Length - SnapshotBytes} trailing bytes");
        }

        if (!(d._alarms >= 0) || !double.IsFinite(d._alarms))
        {
            throw new FormatException("aiops detector snapshot: corrupt alarm count");
        }

        if (d._count < 0 || (d._count >= WarmUpPoints && !(d._scale > 0)))
        {
            throw new FormatException("aiops detector snapshot: corrupt count or scale");
        }

        return d;
    }
}
