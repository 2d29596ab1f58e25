namespace Aiops.Abstractions.Models;

/// <summary>Live state of one host or CI: its series and counters.</summary>
[GenerateSerializer, Immutable, Alias("aiops.EntityState")]
public sealed record EntityState(
    [property: Id(0)] string Key,
    [property: Id(1)] EntityKind Kind,
    [property: Id(2)] long PointCount,
    [property: Id(3)] long LastSeenNs,
    [property: Id(4)] IReadOnlyList<SeriesStatus> Series,
    [property: Id(5)] long RejectedSeries);

/// <summary>One line of the entity directory: enough to list hosts without asking every grain.</summary>
[GenerateSerializer, Immutable, Alias("aiops.EntitySummary")]
public sealed record EntitySummary(
    [property: Id(0)] string Key,
    [property: Id(1)] EntityKind Kind,
    [property: Id(2)] int SeriesCount,
    [property: Id(3)] long PointCount,
    [property: Id(4)] long LastSeenNs);
