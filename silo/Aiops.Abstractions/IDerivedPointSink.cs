using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>Where grains write derived series: serialised to line protocol and queued with the raw points.</summary>
public interface IDerivedPointSink
{
    /// <summary>Queues points for storage; never blocks. A point that cannot be expressed is dropped and logged.</summary>
    void Write(IReadOnlyList<DerivedPoint> points);
}
