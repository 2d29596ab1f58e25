namespace Aiops.Analytics.Anomaly;

/// <summary>NAB's baseline: always 0. Its normalised NAB score is 0 by definition, which checks the scorer.</summary>
public sealed class NullDetector : IStreamingDetector
{
    /// <summary>Factory name: <c>null</c>.</summary>
    public const string DetectorName = "null";

    public string Name => DetectorName;

    public double Update(long timestampUnixMs, double value) => 0.0;

    /// <summary>Stateless: the snapshot is empty.</summary>
    public void WriteState(System.Buffers.IBufferWriter<byte> output)
    {
    }
}
