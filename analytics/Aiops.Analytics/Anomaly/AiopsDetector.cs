using System.Runtime.CompilerServices;

namespace Aiops.Analytics.Anomaly;

/// <summary>
/// The default streaming detector (<c>aiops</c>): novelty of quantised contexts, scored by how rare novelty
/// has been on this series, with a rest period after an alert.
/// </summary>
public sealed class AiopsDetector : IStreamingDetector
{
    /// <summary>Factory name: <c>aiops</c>.</summary>
    public const string DetectorName = "aiops";

    /// <summary>Points used to learn the value range before any score is given (default 150).</summary>
    public const int WarmUpPoints = 150;

    private const byte SnapshotVersion = 1;
    private const int Levels = 8;
    private const int Margin = 4;
    private const int Symbols = Levels + (2 * Margin);
    private const int BloomBytes = 512;
    private const int BloomMask = (BloomBytes * 8) - 1;
    private const int Features = 5;
    private const double RateAlpha = 1.0 / 500;
    private const double MinRate = 1e-3;
    private const double InfoDecay = 0.5;
    private const double InfoScale = 8.0;
    private const int RestPoints = 120;
    private const double RestScore = 0.5;

    private int _count;
    private double _lo = double.PositiveInfinity;
    private double _hi = double.NegativeInfinity;
    private double _step;
    private ulong _history;
    private double _info;
    private int _rest;
    private readonly float[] _rates = new float[Features];
    private readonly byte[] _bloom = new byte[BloomBytes];

    public string Name => DetectorName;

    public double Update(long timestampUnixMs, double value)
    {
        _count++;
        if (_count <= WarmUpPoints)
        {
            _lo = Math.Min(_lo, value);
            _hi = Math.Max(_hi, value);
            if (_count == WarmUpPoints)
            {
                double span = _hi - _lo;
                _step = Math.Max(span / Levels, Math.Max(Math.Abs(_hi), Math.Abs(_lo)) * 1e-3);
                _step = Math.Max(_step, 1e-9);
                _rates.AsSpan().Fill(1f);
            }

            return 0.0;
        }

        int sym = (int)Math.Clamp(Math.Floor((value - _lo) / _step) + Margin, 0, Symbols - 1);
        _history = (_history << 4) | (uint)sym;
        int hour = (int)(timestampUnixMs / 3_600_000 % 24);

        double info = 0;
        info += Observe(0, _history & 0xF);
        info += Observe(1, _history & 0xFF);
        info += Observe(2, _history & 0xFFFF);
        info += Observe(3, _history & 0xFFFF_FFFF);
        info += Observe(4, ((ulong)hour << 8) | (uint)sym);

        _info = (_info * InfoDecay) + info;
        double score = 1.0 - Math.Exp(-_info / InfoScale);
        if (_rest > 0)
        {
            _rest--;
            return 0.0;
        }

        if (score >= RestScore)
        {
            _rest = RestPoints;
        }

        return score;
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

    public void WriteState(System.Buffers.IBufferWriter<byte> output)
    {
        const int size = 1 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + (Features * 4) + BloomBytes;
        var w = new SnapshotWriter(output.GetSpan(size));
        w.Byte(SnapshotVersion);
        w.Int(_count);
        w.Double(_lo);
        w.Double(_hi);
        w.Double(_step);
        w.Long((long)_history);
        w.Double(_info);
        w.Int(_rest);
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
            _lo = r.Double(),
            _hi = r.Double(),
            _step = r.Double(),
            _history = (ulong)r.Long(),
            _info = r.Double(),
            _rest = r.Int(),
        };
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
