using Aiops.Analytics.Cmdb;

namespace Aiops.Eval.Correlate;

/// <summary>
/// Builds a seeded, realistic estate: sites with a core switch, racks with a top-of-rack switch,
/// hypervisors, physical hosts and storage; VMs on hypervisors; databases, queues, load balancers and
/// services on hosts; applications on top. Relations follow DESIGN §9.3 (from depends on to).
/// </summary>
public static class EstateGenerator
{
    public static CmdbDocument Build(int targetCis, Random rng)
    {
        targetCis = Math.Clamp(targetCis, 100, 5000);
        var cis = new List<ConfigurationItem>();
        var rels = new List<CmdbRelation>();
        var owners = new[] { "network-ops", "platform", "storage-team", "dba", "app-team-a", "app-team-b", "sre" };
        ConfigurationItem Add(string id, string type, string owner, string crit, params (string, string)[] attrs)
        {
            var ci = new ConfigurationItem(id, type, id)
            {
                OwnerGroup = owner,
                Criticality = crit,
                Attributes = attrs.ToDictionary(a => a.Item1, a => a.Item2, StringComparer.Ordinal),
            };
            cis.Add(ci);
            return ci;
        }
        void Rel(string from, string to, RelationType t) => rels.Add(new CmdbRelation(from, to, t));

        // Roughly 45 CIs per rack once software is added; one site per ~1,500 CIs.
        var racks = Math.Max(2, targetCis / 45);
        var sites = Math.Max(1, (int)Math.Ceiling(targetCis / 1500.0));
        var hostsAll = new List<string>();
        var storages = new List<string>[sites];
        var rackTors = new List<(int Site, string Tor, string Rack)>();
        for (var s = 0; s < sites; s++)
        {
            var site = $"site-{s + 1:00}";
            Add(site, "site", "facilities", "high", ("region", s % 2 == 0 ? "eu-west" : "us-east"));
            var core = $"core-sw-{s + 1:00}";
            Add(core, "network-switch", "network-ops", "high", ("role", "core"), ("model", "N9K-C9504"));
            Rel(core, site, RelationType.MemberOf);
            storages[s] = [];
            var siteRacks = racks / sites + (s < racks % sites ? 1 : 0);
            var nStorage = Math.Max(1, siteRacks / 4);
            for (var k = 0; k < nStorage; k++)
            {
                var st = $"san-{s + 1:00}-{k + 1:00}";
                Add(st, "storage", "storage-team", "high", ("capacity_tb", (50 + rng.Next(200)).ToString()));
                Rel(st, core, RelationType.ConnectsTo);
                Rel(st, site, RelationType.MemberOf);
                storages[s].Add(st);
            }
            for (var r = 0; r < siteRacks; r++)
            {
                var rack = $"rack-{s + 1:00}-{r + 1:00}";
                Add(rack, "rack", "facilities", "medium");
                Rel(rack, site, RelationType.MemberOf);
                var tor = $"tor-sw-{s + 1:00}-{r + 1:00}";
                Add(tor, "network-switch", "network-ops", "high", ("role", "top-of-rack"));
                Rel(tor, core, RelationType.ConnectsTo);
                Rel(tor, rack, RelationType.MemberOf);
                rackTors.Add((s, tor, rack));
            }
        }

        // Compute: hypervisors with VMs, and a few physical hosts, per rack.
        var hypervisorOf = new Dictionary<string, string>();
        var budgetHosts = (int)(targetCis * 0.42);
        var rackIndex = 0;
        while (hostsAll.Count < budgetHosts && rackTors.Count > 0)
        {
            var (s, tor, rack) = rackTors[rackIndex++ % rackTors.Count];
            var n = hostsAll.Count;
            if (rng.NextDouble() < 0.8)
            {
                var hv = $"hv-{n + 1:0000}";
                Add(hv, "hypervisor", "platform", "high", ("vendor", "esxi"));
                Rel(hv, tor, RelationType.ConnectsTo);
                Rel(hv, rack, RelationType.MemberOf);
                var st = storages[s][rng.Next(storages[s].Count)];
                Rel(hv, st, RelationType.DependsOn);
                var vms = 3 + rng.Next(6);
                for (var v = 0; v < vms && hostsAll.Count < budgetHosts; v++)
                {
                    var vm = $"vm-{hostsAll.Count + 1:0000}";
                    Add(vm, "host", owners[1 + rng.Next(owners.Length - 1)], rng.NextDouble() < 0.3 ? "high" : "medium", ("os", rng.NextDouble() < 0.8 ? "linux" : "windows"));
                    Rel(vm, hv, RelationType.RunsOn);
                    hypervisorOf[vm] = hv;
                    hostsAll.Add(vm);
                }
            }
            else
            {
                var ph = $"srv-{n + 1:0000}";
                Add(ph, "host", "platform", "medium", ("os", "linux"), ("physical", "true"));
                Rel(ph, tor, RelationType.ConnectsTo);
                Rel(ph, rack, RelationType.MemberOf);
                hostsAll.Add(ph);
            }
        }

        // Software: each host carries one component; services depend on data stores, LBs front
        // services, applications use LBs or services.
        var databases = new List<string>();
        var queues = new List<string>();
        var services = new List<string>();
        var lbs = new List<string>();
        var order = hostsAll.OrderBy(_ => rng.Next()).ToList();
        var h = 0;
        while (cis.Count < targetCis - targetCis / 12 && h < order.Count)
        {
            var host = order[h++];
            var roll = rng.NextDouble();
            if (roll < 0.14 || databases.Count == 0)
            {
                var db = $"db-{databases.Count + 1:000}";
                Add(db, "database", "dba", "high", ("engine", rng.NextDouble() < 0.5 ? "postgres" : "mssql"));
                Rel(db, host, RelationType.RunsOn);
                databases.Add(db);
            }
            else if (roll < 0.22 || queues.Count == 0)
            {
                var q = $"mq-{queues.Count + 1:000}";
                Add(q, "queue", "platform", "medium", ("engine", "rabbitmq"));
                Rel(q, host, RelationType.RunsOn);
                queues.Add(q);
            }
            else
            {
                var svc = $"svc-{services.Count + 1:000}";
                Add(svc, "service", owners[4 + rng.Next(3)], rng.NextDouble() < 0.4 ? "high" : "medium");
                Rel(svc, host, RelationType.RunsOn);
                Rel(svc, databases[rng.Next(Math.Max(0, databases.Count - 3), databases.Count)], RelationType.DependsOn);
                if (queues.Count > 0 && rng.NextDouble() < 0.4) Rel(svc, queues[rng.Next(queues.Count)], RelationType.DependsOn);
                services.Add(svc);
                if (services.Count % 4 == 0)
                {
                    var lb = $"lb-{lbs.Count + 1:000}";
                    Add(lb, "load-balancer", "network-ops", "high");
                    var (_, tor, _) = rackTors[rng.Next(rackTors.Count)];
                    Rel(lb, tor, RelationType.ConnectsTo);
                    foreach (var back in services.Skip(services.Count - 4)) Rel(lb, back, RelationType.DependsOn);
                    lbs.Add(lb);
                }
            }
        }
        var a = 0;
        while (cis.Count < targetCis && (lbs.Count > 0 || services.Count > 0))
        {
            var app = $"app-{++a:000}";
            Add(app, "application", owners[4 + rng.Next(3)], "high");
            if (lbs.Count > 0 && rng.NextDouble() < 0.6) Rel(app, lbs[rng.Next(lbs.Count)], RelationType.DependsOn);
            else Rel(app, services[rng.Next(services.Count)], RelationType.DependsOn);
            if (services.Count > 0 && rng.NextDouble() < 0.3) Rel(app, services[rng.Next(services.Count)], RelationType.DependsOn);
        }
        return new CmdbDocument(cis, rels.Distinct().ToList());
    }
}
