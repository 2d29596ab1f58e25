using Aiops.Abstractions.Models;

namespace Aiops.Api.Features.Cmdb;

/// <summary>A CI as the API shows it (camelCase; the import reader also accepts these names).</summary>
public sealed record CiDto(string Id, string Type, string Name, IReadOnlyDictionary<string, string> Attributes, string? OwnerGroup, string? Criticality);

/// <summary>
/// A CI in a <c>POST cis</c> / <c>PUT cis/{id}</c> body. <c>id</c> may be left out of a PUT (the route gives it);
/// <c>name</c> defaults to the id, <c>attributes</c> to empty.
/// </summary>
public sealed record CiInput(string? Id, string? Type, string? Name, Dictionary<string, string>? Attributes, string? OwnerGroup, string? Criticality);

/// <summary>A relation: <c>from</c> depends on <c>to</c>; <c>type</c> is runs-on, depends-on, connects-to or member-of.</summary>
public sealed record RelationDto(string From, string To, string Type);

/// <summary>Every CI that transitively depends on <see cref="Id"/>, nearest first.</summary>
public sealed record ImpactDto(string Id, int Count, IReadOnlyList<CiDto> Impacted);

/// <summary>A skipped record of an import: where (1-based line and column of the body) and why.</summary>
public sealed record ImportErrorDto(long Line, long Column, string Message);

/// <summary>What an import did, at which version, and which records it skipped.</summary>
public sealed record ImportResultDto(
    string Mode,
    int CisCreated,
    int CisUpdated,
    int CisUnchanged,
    int CisDeleted,
    int RelationsAdded,
    int RelationsRemoved,
    long Version,
    IReadOnlyList<ImportErrorDto> Errors);

public static class CmdbDtoMapping
{
    public static CiDto ToDto(this CmdbCi ci) => new(ci.Id, ci.Type, ci.Name, ci.Attributes, ci.OwnerGroup, ci.Criticality);

    public static RelationDto ToDto(this CmdbLink r) => new(r.From, r.To, r.Type);

    public static ImportResultDto ToDto(this CmdbImportCounts c, CmdbImportMode mode) => new(
        mode == CmdbImportMode.Replace ? "replace" : "merge",
        c.CisCreated, c.CisUpdated, c.CisUnchanged, c.CisDeleted, c.RelationsAdded, c.RelationsRemoved, c.Version,
        [.. c.Errors.Select(e => new ImportErrorDto(e.Line, e.Column, e.Message))]);
}
