namespace Aiops.Analytics.Anomaly;

// TEMPORARY experiment wrapper.
internal sealed class ArtDetector : IStreamingDetector
{
    private readonly ArtNovelty _art = new();
    public string Name => "art";
    public double Update(long timestampUnixMs, double value) => double.IsFinite(value) ? _art.Update(value) : 0;
    public void WriteState(System.Buffers.IBufferWriter<byte> output) { }
}
