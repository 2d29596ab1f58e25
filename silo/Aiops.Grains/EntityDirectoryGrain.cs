using Aiops.Abstractions;
using Aiops.Abstractions.Models;

namespace Aiops.Grains;

/// <summary>
/// Directory of the entities of one kind. Each entity reports at most every
/// <see cref="IEntityDirectoryGrain.ReportInterval"/>, so its load grows with the number of entities, not points.
/// </summary>
public sealed class EntityDirectoryGrain : Grain, IEntityDirectoryGrain
{
    /// <summary>Entities kept (default 1,000,000); beyond it the least recently seen are dropped from the listing.</summary>
    public const int MaxEntities = 1_000_000;

    private readonly Dictionary<string, EntitySummary> _entities = new(StringComparer.Ordinal);

    public Task Report(EntitySummary summary)
    {
        _entities[summary.Key] = summary;
        if (_entities.Count > MaxEntities)
        {
            var oldest = _entities.Values.MinBy(e => e.LastSeenNs)!;
            _entities.Remove(oldest.Key);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EntitySummary>> List() =>
        Task.FromResult<IReadOnlyList<EntitySummary>>(_entities.Values.OrderBy(e => e.Key, StringComparer.Ordinal).ToList());
}
