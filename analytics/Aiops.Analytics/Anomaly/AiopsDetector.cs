using System.Runtime.CompilerServices;

namespace Aiops.Analytics.Anomaly;

/// <summary>
/// The default streaming detector (<c>aiops</c>). Each point's surprise (nats) is the sum of three
/// calibrated parts, each learnt on this series alone:
/// <list type="bullet">
/// <item>value rarity: two-sided tail mass of the value in a forgetting histogram of standardised values;</item>
/// <item>change rarity: the same for the step from the previous point (spikes, jumps);</item>
/// <item>context novelty: quantised contexts (recent shape, hour of day) never seen before, weighted by how
/// rarely this series shows new contexts.</item>
/// </list>
/// The score is <c>1 − exp(−surprise/scale)</c>, and a point only alerts when it is more surprising than the
/// slowly fading memory of recent alerts, so one incident yields one burst of high scores.
/// </summary>
public sealed class AiopsDetector : IStreamingDetector
{
    /// <summary>Factory name: <c>aiops</c>.</summary>
    public const string DetectorName = "aiops";

    /// <summary>Points used to learn the scale before any score is given (default 150).</summary>
    public const int WarmUpPoints = 150;

    private const byte SnapshotVersion = 2;
    private static readonly double Forgetting = 1.0 / P("MEM", 2000);
    private const int Levels = 8;
    private const int Margin = 4;
    private const int Symbols = Levels + (2 * Margin);
    private const int BloomBytes = 256;
    private const int BloomMask = (BloomBytes * 8) - 1;
    private const int Features = 4;
    private const double RateAlpha = 1.0 / 500;
    private const double MinRate = 1e-3;
    private static readonly double ScoreScale = P("SCALE", 8.0);
    private static readonly double AlertMemoryDecay = P("DECAY", 0.995);
    private static readonly double WV = P("WV", 1), WD = P("WD", 1), WC = P("WC", 1), WH = P("WH", 1);
    private static double P(string n, double d) => Environment.GetEnvironmentVariable("AIOPS_" + n) is { } s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : d;

    private int _count;
    private double _mean;
    private double _m2;
    private double _lo = double.PositiveInfinity;
    private double _hi = double.NegativeInfinity;
    private double _scale;
    private double _step;
    private double _previous;
    private ulong _history;
    private double _alertMemory;
    private readonly DecayingHistogram _values = new(Forgetting);
    private readonly DecayingHistogram _changes = new(Forgetting);
    private readonly DecayingHistogram _fastHist = new(Forgetting);
    private readonly DecayingHistogram _seasonHist = new(Forgetting);
    private readonly float[] _seasonal = NewSeasonal();
    private double _fast;
    private static float[] NewSeasonal() { var a = new float[Slots]; a.AsSpan().Fill(float.NaN); return a; }
    private const int Slots = 48;
    private const long SlotMs = 1_800_000;
    private static readonly double FastAlpha = P("FA", 0.3), SeasonAlpha = P("SA", 0.1), WF = P("WF", 1), WS = P("WS", 1), Combine = P("COMB", 0);
    private readonly float[] _rates = new float[Features];
    private readonly byte[] _bloom = new byte[BloomBytes];

    public string Name => DetectorName;

    public double Update(long timestampUnixMs, double value)
    {
        _count++;
        if (_count <= WarmUpPoints)
        {
            WarmUp(value);
            return 0.0;
        }

        double z = (value - _mean) / _scale;
        double dz = (value - _previous) / _scale;
        _previous = value;
        int vBin = DecayingHistogram.BinOf(z);
        int dBin = DecayingHistogram.BinOf(dz);
        _fast += FastAlpha * (value - _fast);
        int fBin = DecayingHistogram.BinOf((_fast - _mean) / _scale);
        int slot = (int)(timestampUnixMs / SlotMs % Slots);
        double seasonal = _seasonal[slot];
        int sBin = DecayingHistogram.BinOf(double.IsNaN(seasonal) ? 0 : (value - seasonal) / _scale);
        _seasonal[slot] = double.IsNaN(seasonal) ? (float)value : (float)(seasonal + (SeasonAlpha * (value - seasonal)));
        double sv = WV * _values.TwoSidedSurprise(vBin), sd = WD * _changes.TwoSidedSurprise(dBin);
        double sf = WF * _fastHist.TwoSidedSurprise(fBin), ss = double.IsNaN(seasonal) ? 0 : WS * _seasonHist.TwoSidedSurprise(sBin);
        double surprise = Combine == 0 ? sv + sd + sf + ss : Math.Max(Math.Max(sv, sd), Math.Max(sf, ss));
        _values.Add(vBin);
        _changes.Add(dBin);
        _fastHist.Add(fBin);
        if (!double.IsNaN(seasonal))
        {
            _seasonHist.Add(sBin);
        }

        int sym = (int)Math.Clamp(Math.Floor((value - _lo) / _step) + Margin, 0, Symbols - 1);
        _history = (_history << 4) | (uint)sym;
        int hour = (int)(timestampUnixMs / 3_600_000 % 24);
        surprise += WC * Observe(0, _history & 0xFF);
        surprise += WC * Observe(1, _history & 0xFFFF);
        surprise += WC * Observe(2, _history & 0xFFFF_FFFF);
        surprise += WH * Observe(3, ((ulong)hour << 8) | (uint)sym);

        double score = 1.0 - Math.Exp(-surprise / ScoreScale);
        double memory = _alertMemory;
        _alertMemory = Math.Max(_alertMemory * AlertMemoryDecay, score);
        return score > memory ? score : 0.0;
    }

    private void WarmUp(double value)
    {
        double delta = value - _mean;
        _mean += delta / _count;
        _m2 += delta * (value - _mean);
        _lo = Math.Min(_lo, value);
        _hi = Math.Max(_hi, value);
        _previous = value;
        _fast = value;
        if (_count == WarmUpPoints)
        {
            double floor = Math.Max(Math.Abs(_mean) * 1e-3, 1e-9);
            _scale = Math.Max(Math.Sqrt(_m2 / (_count - 1)), floor);
            _step = Math.Max((_hi - _lo) / Levels, floor);
            _rates.AsSpan().Fill(1f);
        }
    }

    /// <summary>Tests and sets the bloom bit of one context; returns its surprise in nats (0 when seen before).</summary>
    private double Observe(int feature, ulong key)
    {
        ulong h = Mix(key ^ ((ulong)(feature + 1) * 0x9E37_79B9_7F4A_7C15UL));
        int bit = (int)(h & BloomMask);
        int idx = bit >> 3;
        byte mask = (byte)(1 << (bit & 7));
        bool novel = (_bloom[idx] & mask) == 0;
        _bloom[idx] |= mask;
        float rate = _rates[feature];
        double surprise = novel ? -Math.Log(Math.Max(rate, MinRate)) : 0.0;
        _rates[feature] = rate + (float)(RateAlpha * ((novel ? 1.0 : 0.0) - rate));
        return surprise;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    private const int SnapshotBytes = 1 + 4 + (9 * 8) + (2 * DecayingHistogram.SnapshotBytes) + (Features * 4) + BloomBytes;

    public void WriteState(System.Buffers.IBufferWriter<byte> output)
    {
        var w = new SnapshotWriter(output.GetSpan(SnapshotBytes));
        w.Byte(SnapshotVersion);
        w.Int(_count);
        w.Double(_mean);
        w.Double(_m2);
        w.Double(_lo);
        w.Double(_hi);
        w.Double(_scale);
        w.Double(_step);
        w.Double(_previous);
        w.Long((long)_history);
        w.Double(_alertMemory);
        _values.Write(ref w);
        _changes.Write(ref w);
        foreach (float r in _rates)
        {
            w.Float(r);
        }

        w.Bytes(_bloom);
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

        var d = new AiopsDetector
        {
            _count = r.Int(),
            _mean = r.Double(),
            _m2 = r.Double(),
            _lo = r.Double(),
            _hi = r.Double(),
            _scale = r.Double(),
            _step = r.Double(),
            _previous = r.Double(),
            _history = (ulong)r.Long(),
            _alertMemory = r.Double(),
        };
        d._values.Read(ref r);
        d._changes.Read(ref r);
        for (int i = 0; i < Features; i++)
        {
            d._rates[i] = r.Float();
        }

        r.Bytes(d._bloom);
        if (!r.AtEnd)
        {
            throw new FormatException("aiops detector snapshot has trailing bytes");
        }

        return d;
    }
}
