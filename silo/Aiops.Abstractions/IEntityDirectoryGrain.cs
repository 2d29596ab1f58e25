using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>
/// Directory of known entities of one kind (key: <c>"host"</c> or <c>"ci"</c>), so the API can list hosts
/// without scanning grains. Entity grains report to it at most once per <see cref="ReportInterval"/>.
/// </summary>
[Alias("aiops.IEntityDirectoryGrain")]
public interface IEntityDirectoryGrain : IGrainWithStringKey
{
    /// <summary>How often an entity grain refreshes its directory line (default 5 s), bounding directory traffic.</summary>
    static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    /// <summary>Adds or refreshes one entity's line.</summary>
    Task Report(EntitySummary summary);

    /// <summary>All known entities, sorted by key.</summary>
    Task<IReadOnlyList<EntitySummary>> List();
}
