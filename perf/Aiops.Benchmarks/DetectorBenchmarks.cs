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
