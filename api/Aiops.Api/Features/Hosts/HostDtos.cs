using Aiops.Abstractions;
using Aiops.Abstractions.Models;

namespace Aiops.Api.Features.Hosts;

/// <summary>One host in the list.</summary>
/// <param name="Host">The host name (tag <c>host</c>).</param>
/// <param name="Series">Distinct series seen.</param>
/// <param name="Points">Numeric samples received.</param>
/// <param name="LastSeen">Event time of the newest sample.</param>
public sealed record HostSummaryDto(string Host, int Series, long Points, DateTimeOffset? LastSeen);

/// <summary>Live state of one series of a host.</summary>
public sealed record SeriesDto(string Series, double Value, DateTimeOffset Time, long TimestampNs, long Count, double RatePerSecond);

/// <summary>Live state of one host.</summary>
public sealed record HostDetailDto(string Host, long Points, DateTimeOffset? LastSeen, long RejectedSeries, IReadOnlyList<SeriesDto> Series);

internal static class HostMapping
{
    public static DateTimeOffset? ToTime(long ns) => ns <= 0 ? null : UnixNanos.ToTime(ns);

    public static HostSummaryDto ToDto(this EntitySummary s) => new(s.Key, s.SeriesCount, s.PointCount, ToTime(s.LastSeenNs));

    public static HostDetailDto ToDto(this EntityState s) => new(
        s.Key,
        s.PointCount,
        ToTime(s.LastSeenNs),
        s.RejectedSeries,
        s.Series.Select(x => new SeriesDto(x.Series, x.LastValue, UnixNanos.ToTime(x.LastTimestampNs), x.LastTimestampNs, x.Count, x.RatePerSecond)).ToList());
}
