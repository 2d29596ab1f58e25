using System.Collections.Concurrent;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Routing;

/// <summary>
/// The per-host / per-CI series limit at the edge (DESIGN §4: "new series beyond it are rejected and reported, existing
/// ones keep flowing"): remembers each entity's series and refuses a point that would add series past
/// <see cref="IngestOptions.MaxSeriesPerEntity"/>.
/// </summary>
/// <remarks>
/// Each silo keeps its own view (bounded: at most the limit per entity), so behind a load balancer an entity's budget is
/// enforced per silo; the entity grain applies the same limit to what it analyses, so the cluster-wide analysis stays
/// bounded either way. Thread-safe: one short lock per entity.
/// </remarks>
public sealed class SeriesCardinalityGuard(IOptions<IngestOptions> options)
{
    private readonly int _limit = options.Value.MaxSeriesPerEntity;
    private readonly ConcurrentDictionary<string, HashSet<string>> _entities = new(StringComparer.Ordinal);

    /// <summary>The limit in force.</summary>
    public int Limit => _limit;

    /// <summary>
    /// Admits the series of one point for one entity: true (and remembered) when every series is known or fits in the
    /// entity's remaining budget; false (nothing remembered) when the point would add series past the limit.
    /// </summary>
    public bool TryAdmit(EntityKind kind, string entity, ReadOnlySpan<SeriesSample> samples, out string? firstRejected)
    {
        firstRejected = null;
        var known = _entities.GetOrAdd(kind == EntityKind.Host ? "h:" + entity : "c:" + entity, static _ => new HashSet<string>(StringComparer.Ordinal));
        lock (known)
        {
            var added = 0;
            foreach (var sample in samples)
            {
                if (!known.Contains(sample.Series) && known.Count + ++added > _limit)
                {
                    firstRejected = sample.Series;
                    return false;
                }
            }

            foreach (var sample in samples)
            {
                known.Add(sample.Series);
            }

            return true;
        }
    }
}
