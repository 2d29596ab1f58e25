namespace Aiops.Analytics.Cmdb;

/// <summary>
/// A configuration item. <see cref="Type"/> is free text (DESIGN §7 lists host, service, database,
/// load-balancer, network-switch, storage, application, ...); analytics only interpret it through
/// <see cref="CiTypes"/>. <see cref="Attributes"/> defaults to empty, <see cref="OwnerGroup"/> to
/// null and <see cref="Criticality"/> to null (unknown).
/// </summary>
/// <remarks>An immutable record so grains can hold and send it without defensive copies.</remarks>
public sealed record ConfigurationItem(string Id, string Type, string Name)
{
    /// <summary>Free-form attributes (string values). Default: empty.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = EmptyAttributes;

    /// <summary>Group that owns the CI (ticket routing). Default: null.</summary>
    public string? OwnerGroup { get; init; }

    /// <summary>Business criticality, e.g. "high". Default: null.</summary>
    public string? Criticality { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyAttributes =
        new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Relation kinds. In every kind, <c>from</c> depends on <c>to</c>.</summary>
public enum RelationType
{
    /// <summary><c>runs-on</c>: a VM on a hypervisor, a database on a host.</summary>
    RunsOn,

    /// <summary><c>depends-on</c>: a service on a database, an application on a service.</summary>
    DependsOn,

    /// <summary><c>connects-to</c>: a host or switch on its upstream switch.</summary>
    ConnectsTo,

    /// <summary><c>member-of</c>: a member pointing at its container (rack, site, cluster).</summary>
    MemberOf,
}

/// <summary>A directed relation: <see cref="From"/> depends on <see cref="To"/>.</summary>
public sealed record CmdbRelation(string From, string To, RelationType Type);

/// <summary>Wire names of <see cref="RelationType"/> (DESIGN §9.3).</summary>
public static class RelationTypes
{
    public static string ToWire(RelationType type) => type switch
    {
        RelationType.RunsOn => "runs-on",
        RelationType.DependsOn => "depends-on",
        RelationType.ConnectsTo => "connects-to",
        RelationType.MemberOf => "member-of",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Parses a wire name (case-insensitive; underscores accepted for hyphens).</summary>
    public static bool TryParse(string? text, out RelationType type)
    {
        switch (text?.Trim().Replace('_', '-').ToLowerInvariant())
        {
            case "runs-on": type = RelationType.RunsOn; return true;
            case "depends-on": type = RelationType.DependsOn; return true;
            case "connects-to": type = RelationType.ConnectsTo; return true;
            case "member-of": type = RelationType.MemberOf; return true;
            default: type = default; return false;
        }
    }
}

/// <summary>A CMDB snapshot: CIs and relations, as imported or exported.</summary>
public sealed record CmdbDocument(IReadOnlyList<ConfigurationItem> Cis, IReadOnlyList<CmdbRelation> Relations);

/// <summary>A problem found while importing: where (file, 1-based line and column) and what.</summary>
public sealed record CmdbImportError(string Source, long Line, long Column, string Message)
{
    public override string ToString() => $"{Source}:{Line}:{Column}: {Message}";
}

/// <summary>The result of an import: the good data plus every problem found (bad rows are skipped).</summary>
public sealed record CmdbImportResult(CmdbDocument Document, IReadOnlyList<CmdbImportError> Errors);
