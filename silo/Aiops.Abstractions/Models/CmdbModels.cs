namespace Aiops.Abstractions.Models;

/// <summary>
/// A configuration item on the grain boundary (DESIGN §7). <see cref="Attributes"/> is never null (empty by
/// default); <see cref="OwnerGroup"/> and <see cref="Criticality"/> are null when unknown.
/// </summary>
/// <param name="Id">Unique id (ordinal, case-sensitive).</param>
/// <param name="Type">Free text: host, service, database, load-balancer, network-switch, storage, application…</param>
/// <param name="Name">Display name; the id when none was given.</param>
/// <param name="Attributes">Free-form string attributes.</param>
/// <param name="OwnerGroup">Group that owns the CI (ticket routing).</param>
/// <param name="Criticality">Business criticality, e.g. <c>high</c>.</param>
[GenerateSerializer, Immutable, Alias("aiops.CmdbCi")]
public sealed record CmdbCi(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyDictionary<string, string> Attributes,
    [property: Id(4)] string? OwnerGroup,
    [property: Id(5)] string? Criticality);

/// <summary>A directed relation: <see cref="From"/> depends on / runs on / connects to / is a member of <see cref="To"/>.</summary>
/// <param name="Type">Wire name: <c>runs-on</c>, <c>depends-on</c>, <c>connects-to</c> or <c>member-of</c>.</param>
[GenerateSerializer, Immutable, Alias("aiops.CmdbLink")]
public sealed record CmdbLink(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] string Type);

/// <summary>The whole CMDB at one version, CIs and relations in the order they were first added.</summary>
[GenerateSerializer, Immutable, Alias("aiops.CmdbSnapshot")]
public sealed record CmdbSnapshot(
    [property: Id(0)] IReadOnlyList<CmdbCi> Cis,
    [property: Id(1)] IReadOnlyList<CmdbLink> Relations,
    [property: Id(2)] long Version);

/// <summary>What a change did.</summary>
public static class CmdbOps
{
    public const string CiCreated = "ci-created";
    public const string CiUpdated = "ci-updated";
    public const string CiDeleted = "ci-deleted";
    public const string RelationAdded = "relation-added";
    public const string RelationRemoved = "relation-removed";
    public const string Imported = "imported";
}

/// <summary>
/// One versioned change, like a change record: who, when, what. Versions start at 1 and grow by one per change;
/// an import is one change.
/// </summary>
/// <param name="Version">The CMDB version this change produced.</param>
/// <param name="ChangedBy">Who: the caller's name (API: header <c>X-Aiops-User</c>, else the token's name, else <c>api</c>).</param>
/// <param name="At">When (wall time of the silo).</param>
/// <param name="Op">One of <see cref="CmdbOps"/>.</param>
/// <param name="EntityId">CI id, relation <c>from -type-> to</c>, or <c>cmdb</c> for an import.</param>
/// <param name="Before">Summary before (null when created).</param>
/// <param name="After">Summary after (null when deleted).</param>
[GenerateSerializer, Immutable, Alias("aiops.CmdbChange")]
public sealed record CmdbChange(
    [property: Id(0)] long Version,
    [property: Id(1)] string ChangedBy,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Op,
    [property: Id(4)] string EntityId,
    [property: Id(5)] string? Before,
    [property: Id(6)] string? After);

/// <summary>How a write turned out.</summary>
public enum CmdbOutcome
{
    /// <summary>A new CI or relation was stored.</summary>
    Created = 0,

    /// <summary>An existing CI was changed.</summary>
    Updated = 1,

    /// <summary>The write matched what was stored: no new version.</summary>
    Unchanged = 2,

    /// <summary>The CI or relation was removed.</summary>
    Deleted = 3,

    /// <summary>The CI or relation (or one end of a relation) does not exist; <see cref="CmdbWriteResult.Error"/> says which.</summary>
    NotFound = 4,

    /// <summary>The input was rejected; <see cref="CmdbWriteResult.Error"/> names the field.</summary>
    Invalid = 5,
}

/// <summary>The result of one write: outcome, the CMDB version after it, and an error when it was refused.</summary>
[GenerateSerializer, Immutable, Alias("aiops.CmdbWriteResult")]
public sealed record CmdbWriteResult(
    [property: Id(0)] CmdbOutcome Outcome,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Error);

/// <summary>Import mode: <c>merge</c> upserts CIs and adds relations; <c>replace</c> also removes what the document lacks.</summary>
public enum CmdbImportMode
{
    Merge = 0,
    Replace = 1,
}

/// <summary>Formats of <see cref="ICmdbGrain.ImportText"/> and <see cref="ICmdbGrain.ExportText"/>.</summary>
public enum CmdbFormat
{
    /// <summary>DESIGN §9.3 JSON.</summary>
    Json = 0,

    /// <summary>
    /// One CSV text of two sections: the CI rows under the header <c>id,type,name,owner_group,criticality,attributes</c>,
    /// then the relation rows under the header <c>from,to,type</c> (a blank line between them is allowed).
    /// </summary>
    Csv = 1,
}

/// <summary>A problem found in an imported document: 1-based line and column, and what.</summary>
[GenerateSerializer, Immutable, Alias("aiops.CmdbImportProblem")]
public sealed record CmdbImportProblem(
    [property: Id(0)] long Line,
    [property: Id(1)] long Column,
    [property: Id(2)] string Message);

/// <summary>
/// Counts of an import. <see cref="CisDeleted"/> and <see cref="RelationsRemoved"/> are non-zero only in replace mode.
/// <see cref="Errors"/> lists the records that were skipped; the good ones were imported anyway.
/// </summary>
[GenerateSerializer, Immutable, Alias("aiops.CmdbImportCounts")]
public sealed record CmdbImportCounts(
    [property: Id(0)] int CisCreated,
    [property: Id(1)] int CisUpdated,
    [property: Id(2)] int CisUnchanged,
    [property: Id(3)] int CisDeleted,
    [property: Id(4)] int RelationsAdded,
    [property: Id(5)] int RelationsRemoved,
    [property: Id(6)] long Version,
    [property: Id(7)] IReadOnlyList<CmdbImportProblem> Errors);
