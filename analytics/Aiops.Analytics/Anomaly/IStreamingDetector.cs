namespace Aiops.Analytics.Anomaly;

/// <summary>
/// A streaming anomaly detector for one series. Points arrive one at a time in time order; the score of a
/// point depends only on it and the points before it (no look-ahead).
/// </summary>
/// <remarks>Not thread-safe: one instance per series, driven by one caller (a grain or the eval CLI).</remarks>
public interface IStreamingDetector
{
    /// <summary>The factory name of this detector (also the NAB results folder name).</summary>
    string Name { get; }

    /// <summary>Consumes one point and returns its anomaly score in [0, 1].</summary>
    double Update(long timestampUnixMs, double value);

    /// <summary>Writes a compact binary snapshot that <see cref="DetectorFactory.Restore"/> turns back into an equal detector.</summary>
    void WriteState(System.Buffers.IBufferWriter<byte> output);
}
