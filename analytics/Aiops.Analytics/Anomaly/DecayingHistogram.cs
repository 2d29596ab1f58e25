namespace Aiops.Analytics.Anomaly;

/// <summary>
/// Exponentially forgetting histogram over signed-log bins of a standardised quantity
/// <c>u = sign(z)·ln(1+|z|)</c>, used to ask "how rare is a value at least this extreme here?".
/// </summary>
/// <remarks>
/// Forgetting is O(1): instead of shrinking every bin per point, the weight of new points grows by
/// 1/(1−α) and all bins are rescaled once the weight gets large, which keeps the arithmetic in range.
/// The signed-log bins cover ~10^4 standard units with a few dozen floats, so one layout suits quiet
/// series and series whose bursts are a hundred times their median alike.
/// </remarks>
internal sealed class DecayingHistogram
{
    public const int Bins = 64;
    private const double BinsPerNat = 3.0;
    private const int Centre = Bins / 2;
    private const float RescaleAbove = 1e12f;

    private readonly float[] _counts = new float[Bins];
    private float _total;
    private float _weight = 1f;
    private readonly float _growth;

    public DecayingHistogram(double forgetting) => _growth = (float)(1.0 / (1.0 - forgetting));

    public static int BinOf(double z)
    {
        double u = Math.Sign(z) * Math.Log(1.0 + Math.Abs(z));
        return (int)Math.Clamp(Math.Floor(u * BinsPerNat) + Centre, 0, Bins - 1);
    }

    public void Add(int bin)
    {
        _counts[bin] += _weight;
        _total += _weight;
        _weight *= _growth;
        if (_weight > RescaleAbove)
        {
            float inv = 1f / _weight;
            for (int i = 0; i < Bins; i++)
            {
                _counts[i] *= inv;
            }

            _total *= inv;
            _weight = 1f;
        }
    }

    /// <summary>
    /// Surprise (nats) of a point in <paramref name="bin"/>: −ln of the two-sided tail mass at least as extreme,
    /// with a one-point prior so an empty tail is rare but never impossible.
    /// </summary>
    public double TwoSidedSurprise(int bin)
    {
        if (_total <= 0)
        {
            return 0;
        }

        // Tail mass at least as extreme, plus a one-point prior that fades with the distance (in bins)
        // beyond the furthest bin ever filled on that side: "how far past anything seen" keeps ranking
        // extremes that the plain empty-tail prior would all score alike.
        float upper = 0, lower = 0;
        int top = bin - 1, bottom = bin + 1;
        for (int i = bin; i < Bins; i++)
        {
            if (_counts[i] > 0)
            {
                upper += _counts[i];
                top = i;
            }
        }

        for (int i = 0; i <= bin; i++)
        {
            if (_counts[i] > 0)
            {
                lower += _counts[i];
                bottom = Math.Min(bottom, i);
            }
        }

        double priorUp = upper > 0 ? _weight : _weight * Math.Exp(-GapNats * (bin - top));
        double priorDown = lower > 0 ? _weight : _weight * Math.Exp(-GapNats * (bottom - bin));
        double tail = Math.Min(upper + priorUp, lower + priorDown);
        double p = Math.Min(1.0, 2.0 * tail / (_total + _weight));
        return -Math.Log(p);
    }

    private static readonly double GapNats = double.Parse(Environment.GetEnvironmentVariable("AIOPS_GAP") ?? "0.5", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Surprise of the upper tail only (for magnitudes such as |residual|).</summary>
    public double UpperSurprise(int bin)
    {
        if (_total <= 0)
        {
            return 0;
        }

        float upper = 0;
        for (int i = bin; i < Bins; i++)
        {
            upper += _counts[i];
        }

        return -Math.Log((upper + _weight) / (_total + _weight));
    }

    public void Write(ref SnapshotWriter w)
    {
        foreach (float c in _counts)
        {
            w.Float(c);
        }

        w.Float(_total);
        w.Float(_weight);
    }

    public void Read(ref SnapshotReader r)
    {
        for (int i = 0; i < Bins; i++)
        {
            _counts[i] = r.Float();
        }

        _total = r.Float();
        _weight = r.Float();
    }

    public const int SnapshotBytes = (Bins + 2) * 4;
}
