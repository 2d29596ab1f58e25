namespace Aiops.Analytics.Anomaly;

/// <summary>Creates and restores streaming detectors by name.</summary>
public static class DetectorFactory
{
    /// <summary>The default detector: <c>aiops</c> (<see cref="AiopsDetector"/>).</summary>
    public const string DefaultName = AiopsDetector.DetectorName;

    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [AiopsDetector.DetectorName, NullDetector.DetectorName];

    /// <summary>A fresh detector for one series.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IStreamingDetector Create(string name = DefaultName) => name switch
    {
        AiopsDetector.DetectorName => new AiopsDetector(),
        NullDetector.DetectorName => new NullDetector(),
        _ => throw UnknownName(name),
    };

    /// <summary>Rebuilds a detector from a <see cref="IStreamingDetector.WriteState"/> snapshot.</summary>
    /// <exception cref="FormatException">The snapshot is truncated, of another version or otherwise corrupt.</exception>
    public static IStreamingDetector Restore(string name, ReadOnlySpan<byte> state) => name switch
    {
        AiopsDetector.DetectorName => AiopsDetector.Restore(state),
        NullDetector.DetectorName => new NullDetector(),
        _ => throw UnknownName(name),
    };

    private static ArgumentException UnknownName(string name) =>
        new($"unknown detector '{name}'; known: {string.Join(", ", Names)}", nameof(name));
}
