using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>
/// The CMDB (one grain, key <see cref="DefaultKey"/>): CIs, directed relations and a versioned change log, persisted
/// in the default grain storage. Every write that changes something bumps the version by one and records who, when
/// and what; a write that changes nothing records nothing.
/// </summary>
[Alias("aiops.ICmdbGrain")]
public interface ICmdbGrain : IGrainWithStringKey
{
    /// <summary>The key of the one CMDB.</summary>
    public const string DefaultKey = "default";

    /// <summary>Creates or replaces a CI (whole record). Invalid when id or type is empty.</summary>
    Task<CmdbWriteResult> UpsertCi(CmdbCi ci, string changedBy);

    /// <summary>Deletes a CI and every relation that names it (one version for the whole cascade).</summary>
    Task<CmdbWriteResult> DeleteCi(string id, string changedBy);

    /// <summary>Adds a relation; both ends must exist (NotFound names the missing one), the type must be a wire name.</summary>
    Task<CmdbWriteResult> AddRelation(CmdbLink relation, string changedBy);

    /// <summary>Removes a relation (NotFound when absent).</summary>
    Task<CmdbWriteResult> RemoveRelation(CmdbLink relation, string changedBy);

    /// <summary>One CI, or null.</summary>
    Task<CmdbCi?> GetCi(string id);

    /// <summary>CIs in insertion order, only those of <paramref name="type"/> when given (ordinal, case-insensitive).</summary>
    Task<IReadOnlyList<CmdbCi>> ListCis(string? type);

    /// <summary>Relations in insertion order; only those touching <paramref name="ci"/> when given.</summary>
    Task<IReadOnlyList<CmdbLink>> ListRelations(string? ci);

    /// <summary>Imports parsed CIs and relations (relations may name CIs already stored) as one change.</summary>
    Task<CmdbImportCounts> Import(CmdbSnapshot document, CmdbImportMode mode, string changedBy);

    /// <summary>
    /// Parses <paramref name="text"/> (§9.3 JSON or the two-section CSV of <see cref="CmdbFormat.Csv"/>) and imports the
    /// good records; <see cref="CmdbImportCounts.Errors"/> names the line and column of every skipped one. In replace
    /// mode a document with errors removes nothing, because it is known to be incomplete.
    /// </summary>
    Task<CmdbImportCounts> ImportText(string text, CmdbFormat format, CmdbImportMode mode, string changedBy);

    /// <summary>Everything, at the current version.</summary>
    Task<CmdbSnapshot> Export();

    /// <summary>The CMDB as §9.3 JSON or two-section CSV (the formats <see cref="ImportText"/> reads).</summary>
    Task<string> ExportText(CmdbFormat format);

    /// <summary>Every CI that transitively depends on <paramref name="id"/>, nearest first; null when the CI is unknown.</summary>
    Task<IReadOnlyList<CmdbCi>?> GetImpact(string id);

    /// <summary>Changes with a version above <paramref name="sinceVersion"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<CmdbChange>> GetChanges(long sinceVersion, int limit);
}
