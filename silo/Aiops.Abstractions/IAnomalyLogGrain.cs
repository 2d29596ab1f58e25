using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>
/// The recent anomaly events (key <c>"all"</c>), fed by an implicit subscription to the <c>anomalies</c> stream; serves
/// <c>GET /api/v1/anomalies</c>.
/// </summary>
[Alias("aiops.IAnomalyLogGrain")]
public interface IAnomalyLogGrain : IGrainWithStringKey
{
    /// <summary>Events with onset in [<paramref name="fromNs"/>, <paramref name="toNs"/>], optionally of one entity, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AnomalyEvent>> List(long fromNs, long toNs, string? entity, int limit);
}
