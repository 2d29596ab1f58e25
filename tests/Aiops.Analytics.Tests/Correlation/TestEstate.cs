using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;

namespace Aiops.Analytics.Tests.Correlation;

/// <summary>
/// A hand-made estate: site ← core ← tor1/tor2 (racks r1/r2); hv1, hv2 on tor1, hv3 on tor2; three VMs per
/// hypervisor; a service on each VM; db1 on vm3-1 with svc on vm1-1 depending on it; app1 over an lb.
/// </summary>
internal static class TestEstate
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    public static CmdbDocument Document()
    {
        var cis = new List<ConfigurationItem>();
        var rels = new List<CmdbRelation>();
        void Ci(string id, string type) => cis.Add(new ConfigurationItem(id, type, id));
        void R(string from, string to, RelationType t) => rels.Add(new CmdbRelation(from, to, t));
        Ci("site", "site");
        Ci("core", "network-switch");
        R("core", "site", RelationType.MemberOf);
        foreach (var r in new[] { "1", "2" })
        {
            Ci("rack" + r, "rack");
            R("rack" + r, "site", RelationType.MemberOf);
            Ci("tor" + r, "network-switch");
            R("tor" + r, "core", RelationType.ConnectsTo);
            R("tor" + r, "rack" + r, RelationType.MemberOf);
        }
        foreach (var (hv, tor) in new[] { ("hv1", "1"), ("hv2", "1"), ("hv3", "2") })
        {
            Ci(hv, "hypervisor");
            R(hv, "tor" + tor, RelationType.ConnectsTo);
            R(hv, "rack" + tor, RelationType.MemberOf);
            for (var v = 1; v <= 3; v++)
            {
                var vm = $"vm{hv[2..]}-{v}";
                Ci(vm, "host");
                R(vm, hv, RelationType.RunsOn);
                Ci("svc" + vm[2..], "service");
                R("svc" + vm[2..], vm, RelationType.RunsOn);
            }
        }
        Ci("db1", "database");
        R("db1", "vm3-1", RelationType.RunsOn);
        foreach (var s in new[] { "svc1-1", "svc2-1", "svc3-2" }) R(s, "db1", RelationType.DependsOn);
        Ci("lb1", "load-balancer");
        R("lb1", "tor2", RelationType.ConnectsTo);
        R("lb1", "svc1-1", RelationType.DependsOn);
        R("lb1", "svc3-2", RelationType.DependsOn);
        Ci("app1", "application");
        R("app1", "lb1", RelationType.DependsOn);
        return new CmdbDocument(cis, rels);
    }

    public static CmdbGraph Graph() => new(Document());

    private static int _n;

    public static CorrelationEvent Ev(string ci, double seconds, EventKind kind = EventKind.Anomaly, double score = 0.8) =>
        new($"e{Interlocked.Increment(ref _n)}", T0.AddSeconds(seconds), ci, "s", score, kind);
}
