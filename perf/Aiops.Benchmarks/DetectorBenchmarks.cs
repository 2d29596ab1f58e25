using System.Buffers;
using Aiops.Analytics.Anomaly;
using BenchmarkDotNet.Attributes;

namespace Aiops.Benchmarks;

/// <summary>
/// Cost of the streaming detectors per point and per snapshot. Each invocation feeds <see cref="Points"/>
/// points of a noisy daily pattern with a few spikes to a detector that is already past its warm-up, so the
/// figure is the steady-state ns/point. Run:
/// <c>dotnet run -c Release --project perf/Aiops.Benchmarks -- --filter '*DetectorBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
{
    private const int Points = 10_000;
    private const long FiveMinutes = 300_000;

    private readonly double[] _values = new double[Points];
    private readonly ArrayBufferWriter<byte> _snapshot = new(2048);
    private IStreamingDetector _detector = null!;
    private long _t;

    [Params("aiops", "null")]
    public string Detector { get; set; } = "aiops";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        for (int i = 0; i < Points; i++)
        {
            _values[i] = 50 + (20 * Math.Sin(2 * Math.PI * i / 288.0)) + (3 * rng.NextDouble()) + (i % 2500 == 0 ? 60 : 0);
        }

        _detector = DetectorFactory.Create(Detector);
        Feed();
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public double UpdatePerPoint() => Feed();

    [Benchmark]
    public int WriteState()
    {
        _snapshot.ResetWrittenCount();
        _detector.WriteState(_snapshot);
        return _snapshot.WrittenCount;
    }

    private double Feed()
    {
        double sum = 0;
        foreach (double v in _values)
        {
            _t += FiveMinutes;
            sum += _detector.Update(_t, v);
        }

        return sum;
    }
}

/// <summary>
/// Cost of the per-host multivariate model (<see cref="Aiops.Analytics.Multivariate.HostModel"/>, default options):
/// one invocation feeds one day of 1-minute buckets of 8 series (11 520 samples) in batches of one bucket to a
/// model that is already trained, so the figure per sample includes the four retrainings (ML.NET randomized PCA on
/// the last day) that a day costs. Run:
/// <c>dotnet run -c Release --project perf/Aiops.Benchmarks -- --filter '*HostModelBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class HostModelBenchmarks
{
    private const int Series = 8;
    private const int Buckets = 1440;
    private const long Minute = 60_000;

    private readonly Aiops.Analytics.Multivariate.HostSample[] _samples = new Aiops.Analytics.Multivariate.HostSample[Series * Buckets];
    private readonly Aiops.Analytics.Multivariate.HostSample[] _batch = new Aiops.Analytics.Multivariate.HostSample[Series];
    private readonly List<Aiops.Analytics.Multivariate.HostScore> _scores = new(Buckets);
    private readonly ArrayBufferWriter<byte> _snapshot = new(4096);
    private Aiops.Analytics.Multivariate.HostModel _model = null!;
    private long _offset;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        string[] names = Enumerable.Range(0, Series).Select(i => $"metric_{i}").ToArray();
        for (int b = 0; b < Buckets; b++)
        {
            double load = 100 + (60 * Math.Sin(2 * Math.PI * b / 1440.0));
            for (int s = 0; s < Series; s++)
            {
                double v = (s % 2 == 0 ? load * (1 + (0.1 * s)) : 50 + (5 * s)) + (3 * rng.NextDouble());
                _samples[(b * Series) + s] = new(b * Minute + (s * 1000), names[s], v);
            }
        }

        _model = new Aiops.Analytics.Multivariate.HostModel();
        FeedDay();
    }

    [Benchmark(OperationsPerInvoke = Series * Buckets)]
    public int UpdatePerSample() => FeedDay();

    [Benchmark]
    public int WriteState()
    {
        _snapshot.ResetWrittenCount();
        _model.WriteState(_snapshot);
        return _snapshot.WrittenCount;
    }

    private int FeedDay()
    {
        _scores.Clear();
        long shift = _offset;
        _offset += Buckets * Minute;
        int n = 0;
        for (int b = 0; b < Buckets; b++)
        {
            // Batches of one bucket, shifted to the next day, as a grain would receive them.
            for (int i = 0; i < Series; i++)
            {
                var s = _samples[(b * Series) + i];
                _batch[i] = s with { TimestampUnixMs = s.TimestampUnixMs + shift };
            }

            n += _model.Update(_batch, _scores);
        }

        return n;
    }
}
