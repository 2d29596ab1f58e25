using System.Text.Json;

namespace Aiops.IntegrationTests;

/// <summary>CMDB documents (DESIGN §9.3 JSON) for the incident tests, built instead of written out by hand in each.</summary>
internal static class TestCmdb
{
    /// <summary>
    /// Issue #5's estate: <paramref name="sw"/> → five hosts (<c>connects-to</c>); service A runs on hosts 1–2 and service
    /// B on hosts 3–4 (<c>runs-on</c>); the application depends on both. Names take the given prefixes so several
    /// estates can live in one CMDB.
    /// </summary>
    public static string SwitchEstate(string sw = "sw1", string hostPrefix = "h", string servicePrefix = "svc-", string app = "app") =>
        Json(SwitchEstateParts(sw, hostPrefix, servicePrefix, app));

    /// <summary>The CIs and relations of <see cref="SwitchEstate"/>, to extend with more.</summary>
    public static (List<(string Id, string Type, string Name)> Cis, List<(string From, string To, string Type)> Relations) SwitchEstateParts(
        string sw = "sw1", string hostPrefix = "h", string servicePrefix = "svc-", string app = "app")
    {
        var hosts = Enumerable.Range(1, 5).Select(i => $"{hostPrefix}{i}").ToArray();
        var (svcA, svcB) = ($"{servicePrefix}a", $"{servicePrefix}b");
        List<(string, string, string)> cis = [(sw, "network-switch", $"Switch {sw}"), .. hosts.Select(h => (h, "host", h)), (svcA, "service", "A"), (svcB, "service", "B"), (app, "application", "Shop")];
        List<(string, string, string)> relations =
        [
            .. hosts.Select(h => (h, sw, "connects-to")),
            (svcA, hosts[0], "runs-on"), (svcA, hosts[1], "runs-on"), (svcB, hosts[2], "runs-on"), (svcB, hosts[3], "runs-on"),
            (app, svcA, "depends-on"), (app, svcB, "depends-on"),
        ];
        return (cis, relations);
    }

    /// <summary>A switch and the hosts connected to it.</summary>
    public static void AddSwitch(this (List<(string Id, string Type, string Name)> Cis, List<(string From, string To, string Type)> Relations) cmdb, string sw, params string[] hosts)
    {
        cmdb.Cis.Add((sw, "network-switch", $"Switch {sw}"));
        foreach (var h in hosts)
        {
            cmdb.Cis.Add((h, "host", h));
            cmdb.Relations.Add((h, sw, "connects-to"));
        }
    }

    /// <summary>The import document of these CIs (empty attributes) and relations.</summary>
    public static string Json((List<(string Id, string Type, string Name)> Cis, List<(string From, string To, string Type)> Relations) cmdb) =>
        JsonSerializer.Serialize(new
        {
            cis = cmdb.Cis.Select(c => new { id = c.Id, type = c.Type, name = c.Name, attributes = new Dictionary<string, string>() }),
            relations = cmdb.Relations.Select(r => new { from = r.From, to = r.To, type = r.Type }),
        });
}
