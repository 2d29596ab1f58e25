using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Grains.Tests.Persistence;
using Orleans.TestingHost;

namespace Aiops.Grains.Tests;

/// <summary>The CMDB grain on a test silo with SQLite storage: versioning, cascades, impact, restart.</summary>
public sealed class CmdbGrainTests : IDisposable
{
    private static readonly Dictionary<string, string> NoAttributes = [];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task UpsertCi_CreateUpdateAndRepeat_VersionsOnlyRealChangesWithWhoAndWhat()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("versioning");

        var created = await cmdb.UpsertCi(Ci("web-1", "host"), "alice");
        var updated = await cmdb.UpsertCi(Ci("web-1", "host") with { Criticality = "high" }, "bob");
        var repeated = await cmdb.UpsertCi(Ci("web-1", "host") with { Criticality = "high" }, "carol");
        var invalid = await cmdb.UpsertCi(Ci("web-2", " "), "dave");

        Assert.Equal((CmdbOutcome.Created, 1L), (created.Outcome, created.Version));
        Assert.Equal((CmdbOutcome.Updated, 2L), (updated.Outcome, updated.Version));
        Assert.Equal((CmdbOutcome.Unchanged, 2L), (repeated.Outcome, repeated.Version));
        Assert.Equal(CmdbOutcome.Invalid, invalid.Outcome);
        Assert.StartsWith("type:", invalid.Error);

        var changes = await cmdb.GetChanges(0, 100);
        Assert.Equal([1L, 2L], changes.Select(c => c.Version));
        Assert.Equal(["alice", "bob"], changes.Select(c => c.ChangedBy));
        Assert.Equal([CmdbOps.CiCreated, CmdbOps.CiUpdated], changes.Select(c => c.Op));
        Assert.Null(changes[0].Before);
        Assert.DoesNotContain("criticality", changes[1].Before!);
        Assert.Contains("criticality=high", changes[1].After!);
        Assert.All(changes, c => Assert.InRange(c.At, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal([2L], (await cmdb.GetChanges(1, 100)).Select(c => c.Version));
        Assert.Equal("high", (await cmdb.GetCi("web-1"))!.Criticality);
    }

    [Fact]
    public async Task DeleteCi_WithRelations_RemovesThemInOneVersion()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("cascade");
        await cmdb.UpsertCi(Ci("sw", "network-switch"), "t");
        await cmdb.UpsertCi(Ci("h1", "host"), "t");
        await cmdb.UpsertCi(Ci("h2", "host"), "t");
        await cmdb.AddRelation(new CmdbLink("h1", "sw", "connects-to"), "t");
        await cmdb.AddRelation(new CmdbLink("h2", "sw", "connects-to"), "t");
        await cmdb.AddRelation(new CmdbLink("h2", "h1", "depends-on"), "t");

        var deleted = await cmdb.DeleteCi("sw", "ops");
        var again = await cmdb.DeleteCi("sw", "ops");

        Assert.Equal((CmdbOutcome.Deleted, 7L), (deleted.Outcome, deleted.Version));
        Assert.Equal(CmdbOutcome.NotFound, again.Outcome);
        Assert.Equal([new CmdbLink("h2", "h1", "depends-on")], await cmdb.ListRelations(null));
        Assert.Null(await cmdb.GetCi("sw"));
        var last = (await cmdb.GetChanges(6, 10)).Single();
        Assert.Equal((CmdbOps.CiDeleted, "sw", "ops"), (last.Op, last.EntityId, last.ChangedBy));
        Assert.Contains("2 relation(s) removed", last.Before!);
    }

    [Fact]
    public async Task AddRelation_MissingEndOrBadType_IsRefusedWithTheField()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("relations");
        await cmdb.UpsertCi(Ci("a", "service"), "t");

        var missingTo = await cmdb.AddRelation(new CmdbLink("a", "ghost", "depends-on"), "t");
        var missingFrom = await cmdb.AddRelation(new CmdbLink("ghost", "a", "depends-on"), "t");
        var badType = await cmdb.AddRelation(new CmdbLink("a", "a2", "likes"), "t");

        Assert.Equal(CmdbOutcome.NotFound, missingTo.Outcome);
        Assert.Equal("to: CI 'ghost' does not exist.", missingTo.Error);
        Assert.StartsWith("from:", missingFrom.Error);
        Assert.Equal(CmdbOutcome.Invalid, badType.Outcome);
        Assert.StartsWith("type: 'likes'", badType.Error);
        Assert.Empty(await cmdb.ListRelations(null));
        Assert.Equal(1, (await cmdb.Export()).Version);
    }

    [Fact]
    public async Task GetImpact_SwitchUnderHostsServicesApp_ListsEveryTransitiveDependent()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("impact");
        var counts = await cmdb.Import(Topology(), CmdbImportMode.Merge, "loader");

        var impact = await cmdb.GetImpact("sw-1");
        var ofService = await cmdb.GetImpact("svc-a");

        Assert.Equal((9, 9, 1L), (counts.CisCreated, counts.RelationsAdded, counts.Version));
        Assert.Equal(["app", "h1", "h2", "h3", "h4", "h5", "svc-a", "svc-b"], impact!.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["h1", "h2", "h3", "h4", "h5"], impact!.Take(5).Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal("app", impact![^1].Id);
        Assert.Equal(["app"], ofService!.Select(c => c.Id));
        Assert.Empty((await cmdb.GetImpact("app"))!);
        Assert.Null(await cmdb.GetImpact("nope"));

        // The graph is rebuilt after a change: once svc-a no longer runs on h3, nothing depends on h3.
        Assert.Equal(["svc-a", "app"], (await cmdb.GetImpact("h3"))!.Select(c => c.Id));
        await cmdb.RemoveRelation(new CmdbLink("svc-a", "h3", "runs-on"), "t");
        Assert.Empty((await cmdb.GetImpact("h3"))!);
    }

    [Fact]
    public async Task Import_ReplaceMode_RemovesWhatTheDocumentLacks_MergeKeepsIt()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("replace");
        await cmdb.Import(Topology(), CmdbImportMode.Merge, "loader");
        var small = new CmdbSnapshot([Ci("sw-1", "network-switch"), Ci("h1", "host") with { Name = "renamed" }], [new CmdbLink("h1", "sw-1", "connects-to")], 0);

        var merged = await cmdb.Import(small, CmdbImportMode.Merge, "m");
        Assert.Equal((0, 1, 1, 0, 0, 0), (merged.CisCreated, merged.CisUpdated, merged.CisUnchanged, merged.CisDeleted, merged.RelationsAdded, merged.RelationsRemoved));
        Assert.Equal(9, (await cmdb.ListCis(null)).Count);

        var replaced = await cmdb.Import(small, CmdbImportMode.Replace, "r");
        Assert.Equal((7, 8), (replaced.CisDeleted, replaced.RelationsRemoved));
        var export = await cmdb.Export();
        Assert.Equal(["sw-1", "h1"], export.Cis.Select(c => c.Id));
        Assert.Equal([new CmdbLink("h1", "sw-1", "connects-to")], export.Relations);
        Assert.Equal(3, export.Version);
        Assert.Equal(CmdbOps.Imported, (await cmdb.GetChanges(2, 10)).Single().Op);
    }

    [Fact]
    public async Task ImportText_CsvWithBadRows_ImportsGoodRowsAndNamesBodyLines()
    {
        await using var cluster = await StartClusterAsync();
        var cmdb = cluster.Client.GetGrain<ICmdbGrain>("csv");
        var csv = "id,type,name,owner_group,criticality,attributes\n" +
                  "sw-1,network-switch,Core switch,net,high,rack=r1\n" +
                  "h1,host,,,,\n" +
                  ",host\n" +
                  "\n" +
                  "from,to,type\n" +
                  "h1,sw-1,connects-to\n" +
                  "h1,sw-1,plugs-into\n";

        var result = await cmdb.ImportText(csv, CmdbFormat.Csv, CmdbImportMode.Replace, "csv");

        Assert.Equal((2, 1), (result.CisCreated, result.RelationsAdded));
        Assert.Equal([4L, 8L], result.Errors.Select(e => e.Line));
        Assert.Contains("plugs-into", result.Errors[1].Message);
        var sw = (await cmdb.GetCi("sw-1"))!;
        Assert.Equal(("Core switch", "net", "high", "r1"), (sw.Name, sw.OwnerGroup, sw.Criticality, sw.Attributes["rack"]));

        // Export and re-import of the CSV is lossless: nothing changes, so no new version.
        var again = await cmdb.ImportText(await cmdb.ExportText(CmdbFormat.Csv), CmdbFormat.Csv, CmdbImportMode.Replace, "csv");
        Assert.Equal((0, 0, 2, 0, 0, 0, 1L), (again.CisCreated, again.CisUpdated, again.CisUnchanged, again.CisDeleted, again.RelationsAdded, again.RelationsRemoved, again.Version));
        Assert.Empty(again.Errors);
    }

    [Fact]
    public async Task Export_AfterSiloRestartOnSameFile_ReturnsSameCmdbAndChangeLog()
    {
        CmdbSnapshot before;
        IReadOnlyList<CmdbChange> changesBefore;
        await using (var first = await StartClusterAsync())
        {
            var cmdb = first.Client.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey);
            await cmdb.Import(Topology(), CmdbImportMode.Merge, "loader");
            await cmdb.UpsertCi(Ci("db-1", "database") with { Attributes = new Dictionary<string, string> { ["engine"] = "postgres" } }, "alice");
            await cmdb.DeleteCi("h5", "bob");
            before = await cmdb.Export();
            changesBefore = await cmdb.GetChanges(0, 100);
            await first.StopAllSilosAsync();
        }

        await using var second = await StartClusterAsync();
        var restored = second.Client.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey);
        var after = await restored.Export();

        Assert.Equal(3, before.Version);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Cis.Select(Text), after.Cis.Select(Text));
        Assert.Equal(before.Relations, after.Relations);
        Assert.Equal(changesBefore, await restored.GetChanges(0, 100));
        Assert.Equal("postgres", (await restored.GetCi("db-1"))!.Attributes["engine"]);
        var next = await restored.UpsertCi(Ci("h6", "host"), "carol");
        Assert.Equal((CmdbOutcome.Created, 4L), (next.Outcome, next.Version));
        Assert.Contains("app", (await restored.GetImpact("sw-1"))!.Select(c => c.Id));
    }

    /// <summary>switch ← 5 hosts ← 2 services (a runs on h3, b on h5) ← 1 application on both: 9 CIs, 9 relations.</summary>
    private static CmdbSnapshot Topology()
    {
        List<CmdbCi> cis = [Ci("sw-1", "network-switch")];
        List<CmdbLink> relations = [];
        for (var i = 1; i <= 5; i++)
        {
            cis.Add(Ci($"h{i}", "host"));
            relations.Add(new CmdbLink($"h{i}", "sw-1", "connects-to"));
        }

        cis.Add(Ci("svc-a", "service"));
        cis.Add(Ci("svc-b", "service"));
        cis.Add(Ci("app", "application"));
        relations.Add(new CmdbLink("svc-a", "h3", "runs-on"));
        relations.Add(new CmdbLink("svc-b", "h5", "runs-on"));
        relations.Add(new CmdbLink("app", "svc-a", "depends-on"));
        relations.Add(new CmdbLink("app", "svc-b", "depends-on"));
        return new CmdbSnapshot(cis, relations, 0);
    }

    private static CmdbCi Ci(string id, string type) => new(id, type, id, NoAttributes, null, null);

    private static string Text(CmdbCi c) =>
        $"{c.Id}|{c.Type}|{c.Name}|{c.OwnerGroup}|{c.Criticality}|{string.Join(';', c.Attributes.Select(kv => kv.Key + "=" + kv.Value))}";

    private async Task<TestCluster> StartClusterAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ServiceId = "aiops-cmdb-tests";
        builder.Properties[TestSiloConfigurator.DataDirectoryKey] = _dir.Path;
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
