namespace Aiops.Abstractions.Models;

/// <summary>Live state of one series inside an entity grain.</summary>
/// <param name="Series">Series key (see <see cref="SeriesSample.Series"/>).</param>
/// <param name="LastValue">Latest value by event time.</param>
/// <param name="LastTimestampNs">Event time of <paramref name="LastValue"/>, Unix nanoseconds.</param>
/// <param name="Count">Samples received since the grain's state began.</param>
/// <param name="RatePerSecond">Change of the value per second between the last two samples (0 until two are seen);
/// for counters (e.g. <c>net.bytes_recv</c>) this is the throughput.</param>
[GenerateSerializer, Immutable, Alias("aiops.SeriesStatus")]
public sealed record SeriesStatus(
    [property: Id(0)] string Series,
    [property: Id(1)] double LastValue,
    [property: Id(2)] long LastTimestampNs,
    [property: Id(3)] long Count,
    [property: Id(4)] double RatePerSecond);
