namespace Aiops.Analytics.Anomaly;

/// <summary>
/// Exponentially forgetting histogram used to ask "how rare is a point at least this extreme on this series?".
/// Callers choose the bin of each point (see <see cref="SignedLogBin"/>); the histogram answers with tail or
/// density masses turned into surprise, −ln p, in nats.
/// </summary>
/// <remarks>
/// Forgetting is O(1) per point: instead of shrinking every bin, the weight of each new point grows by 1/(1−α)
/// and all bins are rescaled (O(bins), once in ~1/α·ln(10^12) points) when that weight gets large.
/// An empty tail is never "impossible": a one-point prior stands in for it, and that prior fades by
/// <see cref="GapNats"/> per bin beyond the furthest bin ever filled on that side, so a value far past anything
/// seen ranks above one just past it instead of both scoring the same capped surprise.
/// </remarks>
internal sealed class DecayingHistogram
{
    /// <summary>Surprise added per empty bin between a point and the furthest filled bin on its side.</summary>
    public const double GapNats = 2.0;

    private const float RescaleAbove = 1e12f;

    private readonly float[] _counts;
    private readonly float _growth;
    private float _weight = 1f;

    /// <param name="bins">Number of bins (snapshot: 4 bytes per bin plus 4 for the running weight).</param>
    /// <param name="forgetting">α: each point's weight decays by (1−α) per later point (memory ≈ 1/α points).</param>
    public DecayingHistogram(int bins, double forgetting)
    {
        _counts = new float[bins];
        _growth = (float)(1.0 / (1.0 - forgetting));
    }

    public int Bins => _counts.Length;

    /// <summary>
    /// The raw bin array, for a caller that parks other floats in an empty histogram (the detector keeps its
    /// warm-up values here, so they cost no extra memory and travel in the snapshot); <see cref="Clear"/> it
    /// before adding points.
    /// </summary>
    public Span<float> Slots => _counts;

    /// <summary>Empties the histogram (all bins 0, running weight 1).</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        _weight = 1f;
    }

    /// <summary>Snapshot bytes of a histogram with <paramref name="bins"/> bins.</summary>
    public static int SnapshotBytes(int bins) => (bins + 1) * 4;

    /// <summary>
    /// Bin of a standardised quantity <paramref name="z"/> on a signed-log scale <c>sign(z)·ln(1+|z|)</c> with
    /// <paramref name="binsPerNat"/> bins per unit, centred: one layout fits quiet series and series whose bursts
    /// are hundreds of standard units, with fine bins near zero and coarse ones in the tails. Clamped to the ends.
    /// </summary>
    public static int SignedLogBin(double z, int bins, double binsPerNat)
    {
        double u = Math.Sign(z) * Math.Log(1.0 + Math.Abs(z));
        return (int)Math.Clamp(Math.Floor(u * binsPerNat) + (bins / 2), 0, bins - 1);
    }

    public void Add(int bin)
    {
        _counts[bin] += _weight;
        _weight *= _growth;
        if (_weight > RescaleAbove)
        {
            float inv = 1f / _weight;
            for (int i = 0; i < _counts.Length; i++)
            {
                _counts[i] *= inv;
            }

            _weight = 1f;
        }
    }

    /// <summary>Surprise of a point in <paramref name="bin"/>: −ln of twice the smaller tail mass at least as extreme.</summary>
    public double TwoSidedSurprise(int bin)
    {
        // top/bottom: the furthest filled bins overall; when a tail is empty they lie on the other side of bin.
        // Sums are taken in one pass, in the same precision, so a point in the only filled bin gets p = 1 exactly.
        float upper = 0, lower = 0, total = 0;
        int top = -1, bottom = _counts.Length;
        for (int i = 0; i < _counts.Length; i++)
        {
            float c = _counts[i];
            if (c <= 0)
            {
                continue;
            }

            total += c;
            top = i;
            bottom = Math.Min(bottom, i);
            if (i >= bin)
            {
                upper += c;
            }

            if (i <= bin)
            {
                lower += c;
            }
        }

        double priorUp = upper > 0 ? _weight : _weight * Math.Exp(-GapNats * (bin - top));
        double priorDown = lower > 0 ? _weight : _weight * Math.Exp(-GapNats * (bottom - bin));
        if (total <= 0)
        {
            return 0;
        }

        double tail = Math.Min(upper + priorUp, lower + priorDown);
        return -Math.Log(Math.Min(1.0, 2.0 * tail / ((double)total + _weight)));
    }

    /// <summary>
    /// Surprise of a point in <paramref name="bin"/> by density: −ln of the mass of all bins no denser than it.
    /// Unlike a tail it also sees the empty middle of a bimodal series (a level between "day" and "night").
    /// </summary>
    public double DensitySurprise(int bin)
    {
        float own = _counts[bin], rarer = 0, total = 0;
        int top = -1, bottom = _counts.Length;
        for (int i = 0; i < _counts.Length; i++)
        {
            float c = _counts[i];
            if (c <= 0)
            {
                continue;
            }

            total += c;
            top = i;
            bottom = Math.Min(bottom, i);
            if (c <= own)
            {
                rarer += c;
            }
        }

        if (total <= 0)
        {
            return 0;
        }

        int gap = bin > top ? bin - top : bin < bottom ? bottom - bin : 0;
        double prior = _weight * Math.Exp(-GapNats * gap);
        return -Math.Log(Math.Min(1.0, (rarer + prior) / ((double)total + _weight)));
    }

    /// <summary>Surprise of the upper tail only (for magnitudes that are only alarming when large).</summary>
    public double UpperSurprise(int bin)
    {
        float upper = 0, total = 0;
        int top = -1;
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
            {
                total += _counts[i];
                top = i;
                if (i >= bin)
                {
                    upper += _counts[i];
                }
            }
        }

        if (total <= 0)
        {
            return 0;
        }

        double prior = upper > 0 ? _weight : _weight * Math.Exp(-GapNats * (bin - top));
        return -Math.Log(Math.Min(1.0, (upper + prior) / ((double)total + _weight)));
    }

    public void Write(ref SnapshotWriter w)
    {
        foreach (float c in _counts)
        {
            w.Float(c);
        }

        w.Float(_weight);
    }

    public void Read(ref SnapshotReader r)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] = r.Float();
        }

        _weight = r.Float();
        if (!(_weight >= 1f) || !float.IsFinite(_weight))
        {
            throw new FormatException("detector snapshot: corrupt histogram totals");
        }
    }
}
