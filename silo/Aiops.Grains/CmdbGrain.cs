using System.Globalization;
using System.Text;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Analytics.Cmdb;
using Aiops.Grains.Cmdb;
using Microsoft.Extensions.Logging;

namespace Aiops.Grains;

/// <summary>Persisted state of the CMDB grain.</summary>
[GenerateSerializer, Alias("aiops.CmdbState")]
public sealed class CmdbState
{
    /// <summary>CIs in the order they were first added (export keeps that order).</summary>
    [Id(0)] public List<CmdbCi> Cis { get; set; } = [];

    [Id(1)] public List<CmdbLink> Relations { get; set; } = [];

    /// <summary>The newest <see cref="CmdbGrain.ChangeCapacity"/> changes, oldest first.</summary>
    [Id(2)] public List<CmdbChange> Changes { get; set; } = [];

    /// <summary>Current version: the number of changes ever made (trimming the log does not lower it).</summary>
    [Id(3)] public long Version { get; set; }
}

/// <summary>
/// The CMDB: CIs, relations and a versioned change log, persisted after every change. Not reentrant, so a write and
/// its state write finish before the next call starts (no etag conflicts, no interleaved versions).
/// </summary>
/// <remarks>
/// The relation graph for impact queries (<see cref="CmdbGraph"/>) is built on first use after a change and shared
/// until the next one. Text imports are parsed inside the grain turn: the API does not reference the analytics
/// readers, and a CMDB of thousands of CIs parses in milliseconds.
/// </remarks>
public sealed class CmdbGrain(
    [PersistentState("cmdb")] IPersistentState<CmdbState> state,
    TimeProvider time,
    ILogger<CmdbGrain> logger) : Grain, ICmdbGrain
{
    /// <summary>Changes kept in the log (default 10,000); older ones are dropped, versions keep counting.</summary>
    public const int ChangeCapacity = 10_000;

    private Dictionary<string, int>? _index;
    private CmdbGraph? _graph;

    private CmdbState S => state.State;

    public async Task<CmdbWriteResult> UpsertCi(CmdbCi ci, string changedBy)
    {
        if (Validate(ci) is { } error)
        {
            return new CmdbWriteResult(CmdbOutcome.Invalid, S.Version, error);
        }

        ci = Normalise(ci);
        var index = Index();
        if (index.TryGetValue(ci.Id, out var i))
        {
            var old = S.Cis[i];
            if (SameCi(old, ci))
            {
                return new CmdbWriteResult(CmdbOutcome.Unchanged, S.Version, null);
            }

            S.Cis[i] = ci;
            Record(changedBy, CmdbOps.CiUpdated, ci.Id, Summary(old), Summary(ci));
            await SaveAsync();
            return new CmdbWriteResult(CmdbOutcome.Updated, S.Version, null);
        }

        S.Cis.Add(ci);
        index[ci.Id] = S.Cis.Count - 1;
        Record(changedBy, CmdbOps.CiCreated, ci.Id, null, Summary(ci));
        await SaveAsync();
        return new CmdbWriteResult(CmdbOutcome.Created, S.Version, null);
    }

    public async Task<CmdbWriteResult> DeleteCi(string id, string changedBy)
    {
        if (!Index().TryGetValue(id, out var i))
        {
            return new CmdbWriteResult(CmdbOutcome.NotFound, S.Version, $"CI '{id}' does not exist.");
        }

        var old = S.Cis[i];
        var removed = S.Relations.RemoveAll(r => r.From == id || r.To == id);
        S.Cis.RemoveAt(i);
        _index = null;
        Record(changedBy, CmdbOps.CiDeleted, id, Summary(old) + (removed > 0 ? $"; {removed} relation(s) removed with it" : ""), null);
        await SaveAsync();
        return new CmdbWriteResult(CmdbOutcome.Deleted, S.Version, null);
    }

    public async Task<CmdbWriteResult> AddRelation(CmdbLink relation, string changedBy)
    {
        if (ValidateLink(relation, out var link) is { } error)
        {
            return new CmdbWriteResult(CmdbOutcome.Invalid, S.Version, error);
        }

        var index = Index();
        if (!index.ContainsKey(link.From))
        {
            return new CmdbWriteResult(CmdbOutcome.NotFound, S.Version, $"from: CI '{link.From}' does not exist.");
        }

        if (!index.ContainsKey(link.To))
        {
            return new CmdbWriteResult(CmdbOutcome.NotFound, S.Version, $"to: CI '{link.To}' does not exist.");
        }

        if (S.Relations.Contains(link))
        {
            return new CmdbWriteResult(CmdbOutcome.Unchanged, S.Version, null);
        }

        S.Relations.Add(link);
        Record(changedBy, CmdbOps.RelationAdded, Describe(link), null, Describe(link));
        await SaveAsync();
        return new CmdbWriteResult(CmdbOutcome.Created, S.Version, null);
    }

    public async Task<CmdbWriteResult> RemoveRelation(CmdbLink relation, string changedBy)
    {
        if (ValidateLink(relation, out var link) is { } error)
        {
            return new CmdbWriteResult(CmdbOutcome.Invalid, S.Version, error);
        }

        if (!S.Relations.Remove(link))
        {
            return new CmdbWriteResult(CmdbOutcome.NotFound, S.Version, $"relation {Describe(link)} does not exist.");
        }

        Record(changedBy, CmdbOps.RelationRemoved, Describe(link), Describe(link), null);
        await SaveAsync();
        return new CmdbWriteResult(CmdbOutcome.Deleted, S.Version, null);
    }

    public Task<CmdbCi?> GetCi(string id) =>
        Task.FromResult(Index().TryGetValue(id, out var i) ? S.Cis[i] : null);

    public Task<IReadOnlyList<CmdbCi>> ListCis(string? type) =>
        Task.FromResult<IReadOnlyList<CmdbCi>>(type is null
            ? [.. S.Cis]
            : [.. S.Cis.Where(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase))]);

    public Task<IReadOnlyList<CmdbLink>> ListRelations(string? ci) =>
        Task.FromResult<IReadOnlyList<CmdbLink>>(ci is null ? [.. S.Relations] : [.. S.Relations.Where(r => r.From == ci || r.To == ci)]);

    public Task<CmdbImportCounts> Import(CmdbSnapshot document, CmdbImportMode mode, string changedBy) =>
        ApplyImportAsync(document, mode, changedBy, []);

    public Task<CmdbImportCounts> ImportText(string text, CmdbFormat format, CmdbImportMode mode, string changedBy)
    {
        var (document, problems) = CmdbMapping.Parse(text, format);
        return ApplyImportAsync(document, mode, changedBy, problems);
    }

    public Task<CmdbSnapshot> Export() =>
        Task.FromResult(new CmdbSnapshot([.. S.Cis], [.. S.Relations], S.Version));

    public Task<string> ExportText(CmdbFormat format) =>
        Task.FromResult(CmdbMapping.Format(CmdbMapping.ToDocument(S.Cis, S.Relations), format));

    public Task<IReadOnlyList<CmdbCi>?> GetImpact(string id)
    {
        var index = Index();
        if (!index.ContainsKey(id))
        {
            return Task.FromResult<IReadOnlyList<CmdbCi>?>(null);
        }

        _graph ??= new CmdbGraph(CmdbMapping.ToDocument(S.Cis, S.Relations));
        return Task.FromResult<IReadOnlyList<CmdbCi>?>([.. _graph.Impact(id).Select(c => S.Cis[index[c]])]);
    }

    public Task<IReadOnlyList<CmdbChange>> GetChanges(long sinceVersion, int limit) =>
        Task.FromResult<IReadOnlyList<CmdbChange>>([.. S.Changes.Where(c => c.Version > sinceVersion).Take(Math.Max(0, limit))]);

    private async Task<CmdbImportCounts> ApplyImportAsync(CmdbSnapshot document, CmdbImportMode mode, string changedBy, List<CmdbImportProblem> problems)
    {
        int created = 0, updated = 0, unchanged = 0, deleted = 0, added = 0, removed = 0;
        var index = Index();
        var incoming = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in document.Cis)
        {
            if (Validate(raw) is { } error)
            {
                problems.Add(new CmdbImportProblem(0, 0, error));
                continue;
            }

            var ci = Normalise(raw);
            incoming.Add(ci.Id);
            if (index.TryGetValue(ci.Id, out var i))
            {
                if (SameCi(S.Cis[i], ci)) { unchanged++; continue; }
                S.Cis[i] = ci;
                updated++;
            }
            else
            {
                S.Cis.Add(ci);
                index[ci.Id] = S.Cis.Count - 1;
                created++;
            }
        }

        // A document with errors is known to be incomplete: replacing with it would delete the CIs whose rows were bad.
        var replace = mode == CmdbImportMode.Replace && problems.Count == 0;
        if (replace)
        {
            deleted = S.Cis.RemoveAll(c => !incoming.Contains(c.Id));
            if (deleted > 0) _index = null;
            var wanted = new HashSet<CmdbLink>();
            foreach (var r in document.Relations)
            {
                if (ValidateLink(r, out var link) is null) wanted.Add(link);
            }

            removed = S.Relations.RemoveAll(r => !wanted.Contains(r));
        }

        index = Index();
        var existing = new HashSet<CmdbLink>(S.Relations);
        foreach (var r in document.Relations)
        {
            if (ValidateLink(r, out var link) is { } error)
            {
                problems.Add(new CmdbImportProblem(0, 0, error));
            }
            else if (!index.ContainsKey(link.From) || !index.ContainsKey(link.To))
            {
                problems.Add(new CmdbImportProblem(0, 0, $"relation {Describe(link)} names an unknown CI (skipped)"));
            }
            else if (existing.Add(link))
            {
                S.Relations.Add(link);
                added++;
            }
        }

        if (created + updated + deleted + added + removed > 0)
        {
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"mode={(mode == CmdbImportMode.Replace ? "replace" : "merge")}{(mode == CmdbImportMode.Replace && !replace ? " (nothing removed: the document had errors)" : "")}; cis created {created}, updated {updated}, deleted {deleted}; relations added {added}, removed {removed}");
            var before = string.Create(CultureInfo.InvariantCulture, $"{S.Cis.Count - created + deleted} CIs, {S.Relations.Count - added + removed} relations");
            Record(changedBy, CmdbOps.Imported, "cmdb", before, summary);
            await SaveAsync();
        }

        logger.LogInformation("CMDB import by {ChangedBy}: {Created} created, {Updated} updated, {Deleted} deleted, {Added} relations added, {Removed} removed, {Problems} problems, version {Version}",
            changedBy, created, updated, deleted, added, removed, problems.Count, S.Version);
        return new CmdbImportCounts(created, updated, unchanged, deleted, added, removed, S.Version, problems);
    }

    private void Record(string changedBy, string op, string entityId, string? before, string? after)
    {
        S.Version++;
        S.Changes.Add(new CmdbChange(S.Version, string.IsNullOrWhiteSpace(changedBy) ? "unknown" : changedBy, time.GetUtcNow(), op, entityId, before, after));
        if (S.Changes.Count > ChangeCapacity)
        {
            S.Changes.RemoveRange(0, S.Changes.Count - ChangeCapacity);
        }

        _graph = null;
    }

    private Task SaveAsync() => state.WriteStateAsync();

    private Dictionary<string, int> Index()
    {
        if (_index is null)
        {
            _index = new Dictionary<string, int>(S.Cis.Count, StringComparer.Ordinal);
            for (var i = 0; i < S.Cis.Count; i++) _index[S.Cis[i].Id] = i;
        }

        return _index;
    }

    private static string? Validate(CmdbCi ci)
    {
        if (string.IsNullOrWhiteSpace(ci.Id)) return "id: a CI needs a non-empty id.";
        if (string.IsNullOrWhiteSpace(ci.Type)) return $"type: CI '{ci.Id}' needs a non-empty type.";
        return null;
    }

    private static CmdbCi Normalise(CmdbCi ci) => ci with
    {
        Name = string.IsNullOrWhiteSpace(ci.Name) ? ci.Id : ci.Name,
        Attributes = ci.Attributes is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(ci.Attributes, StringComparer.Ordinal),
        OwnerGroup = string.IsNullOrEmpty(ci.OwnerGroup) ? null : ci.OwnerGroup,
        Criticality = string.IsNullOrEmpty(ci.Criticality) ? null : ci.Criticality,
    };

    /// <summary>Checks a relation and returns it with the canonical type name (so "RUNS_ON" and "runs-on" are one relation).</summary>
    private static string? ValidateLink(CmdbLink relation, out CmdbLink link)
    {
        link = relation;
        if (string.IsNullOrWhiteSpace(relation.From)) return "from: a relation needs a non-empty from.";
        if (string.IsNullOrWhiteSpace(relation.To)) return "to: a relation needs a non-empty to.";
        if (!RelationTypes.TryParse(relation.Type, out var type)) return $"type: '{relation.Type}' is not a relation type (runs-on, depends-on, connects-to or member-of).";
        if (relation.From == relation.To) return $"to: relation {relation.From}->{relation.To} points at itself.";
        link = relation with { Type = RelationTypes.ToWire(type) };
        return null;
    }

    private static bool SameCi(CmdbCi a, CmdbCi b) =>
        a.Id == b.Id && a.Type == b.Type && a.Name == b.Name && a.OwnerGroup == b.OwnerGroup && a.Criticality == b.Criticality
        && a.Attributes.Count == b.Attributes.Count
        && a.Attributes.All(kv => b.Attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Summary(CmdbCi ci)
    {
        var sb = new StringBuilder();
        sb.Append("type=").Append(ci.Type).Append(" name=").Append(ci.Name);
        if (ci.OwnerGroup is not null) sb.Append(" owner_group=").Append(ci.OwnerGroup);
        if (ci.Criticality is not null) sb.Append(" criticality=").Append(ci.Criticality);
        if (ci.Attributes.Count > 0) sb.Append(" attributes={").AppendJoin(';', ci.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)).Append('}');
        return sb.ToString();
    }

    private static string Describe(CmdbLink r) => $"{r.From} -{r.Type}-> {r.To}";
}
