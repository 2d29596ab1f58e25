namespace Aiops.Abstractions.Models;

/// <summary>
/// One numeric sample of one series, as routed to an entity grain.
/// </summary>
/// <remarks>
/// <see cref="Series"/> is the series key inside its entity: <c>measurement.field</c>, followed by
/// <c>{tag=value,...}</c> (sorted by tag key) when the point carries tags other than the routing tags
/// <c>host</c> and <c>ci</c>; e.g. <c>mem.used_percent</c>, <c>cpu.usage_active{cpu=cpu-total}</c>.
/// </remarks>
[GenerateSerializer, Immutable, Alias("aiops.SeriesSample")]
public readonly record struct SeriesSample(
    [property: Id(0)] string Series,
    [property: Id(1)] long TimestampNs,
    [property: Id(2)] double Value);
