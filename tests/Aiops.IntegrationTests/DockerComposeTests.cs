using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Aiops.IntegrationTests;

/// <summary>
/// <c>docker-compose.yml</c> checked without a Docker engine (none runs on these machines): parsed, anchors and merge
/// keys resolved, and checked for the services, ports, volumes and the Grafana provisioning mount; with
/// <c>docker compose config</c> or <c>docker-compose config</c> too when either tool answers.
/// </summary>
public sealed class DockerComposeTests
{
    private static readonly string Root = FindRoot();

    private readonly YamlMappingNode _services;
    private readonly YamlMappingNode _top;

    public DockerComposeTests()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        _top = (YamlMappingNode)yaml.Documents[0].RootNode;
        _services = (YamlMappingNode)_top["services"];
    }

    [Fact]
    public void Compose_DeclaresTheWholeStack()
    {
        var names = _services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        Assert.Superset(new HashSet<string?> { "influxdb", "postgres", "grafana", "silo-1", "silo-2", "simulator" }, names);
    }

    [Fact]
    public void Compose_PublishesPortsOnLoopbackOnly()
    {
        foreach (var (name, service) in Services())
        {
            if (service.Children.TryGetValue("ports", out var ports))
            {
                Assert.All(((YamlSequenceNode)ports).Children, p => Assert.StartsWith("127.0.0.1:", ((YamlScalarNode)p).Value, StringComparison.Ordinal));
            }
        }

        Assert.Contains("127.0.0.1:3000:3000", Ports("grafana"));
        Assert.Contains("127.0.0.1:8080:8080", Ports("silo-1"));
        Assert.Contains("127.0.0.1:8081:8080", Ports("silo-2"));
        Assert.Contains("127.0.0.1:4317:4317", Ports("silo-1"));
    }

    [Fact]
    public void Grafana_MountsTheRepoProvisioningWhereTheProviderLooks()
    {
        var volumes = Strings(Service("grafana"), "volumes");
        Assert.Contains("./dashboards/provisioning:/etc/grafana/provisioning:ro", volumes);
        var provider = File.ReadAllText(Path.Combine(Root, "dashboards/provisioning/dashboards/aiops.yaml"));
        var dashboardMount = volumes.Single(v => v.StartsWith("./dashboards/json:", StringComparison.Ordinal));
        var inContainer = dashboardMount.Split(':')[1];
        Assert.Contains($"path: {inContainer}", provider, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, "dashboards/json"), "*.json"));
    }

    [Fact]
    public void Silos_RunInPostgresClusterModeWithDistinctPortsAndAdvertisedNames()
    {
        var one = Environment("silo-1");
        var two = Environment("silo-2");
        foreach (var env in new[] { one, two })
        {
            Assert.Equal("postgres", env["Aiops__Cluster__Mode"]);
            Assert.Contains("Host=postgres", env["Aiops__Cluster__ConnectionString"], StringComparison.Ordinal);
            Assert.Equal("http://influxdb:8086", env["Influx__Url"]);
            Assert.Equal("true", env["Aiops__Auth__Enabled"]);
        }

        Assert.NotEqual(one["Aiops__SiloPort"], two["Aiops__SiloPort"]);
        Assert.Equal("silo-1", one["Aiops__Cluster__AdvertisedAddress"]);
        Assert.Equal("silo-2", two["Aiops__Cluster__AdvertisedAddress"]);
        Assert.True(Service("silo-1").Children.ContainsKey("build"));
        Assert.True(File.Exists(Path.Combine(Root, "Dockerfile")));
    }

    [Fact]
    public void Postgres_InitRunsEveryOrleansScriptInOrder_AndNamedVolumesAreDeclared()
    {
        Assert.Contains("./scripts/docker/postgres-init.sh:/docker-entrypoint-initdb.d/10-aiops-schema.sh:ro", Strings(Service("postgres"), "volumes"));
        foreach (var script in File.ReadAllLines(Path.Combine(Root, "scripts/sql/ORDER")).Where(l => l.Length > 0))
        {
            Assert.True(File.Exists(Path.Combine(Root, "scripts/sql", script)), script);
        }

        var declared = ((YamlMappingNode)_top["volumes"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        foreach (var (name, service) in Services())
        {
            foreach (var volume in Strings(service, "volumes").Where(v => !v.StartsWith('.')))
            {
                Assert.Contains(volume.Split(':')[0], declared);
            }
        }
    }

    [Fact]
    public void ComposeTool_WhenPresent_AcceptsTheFile()
    {
        foreach (var (file, prefix) in new[] { ("docker", "compose "), ("docker-compose", string.Empty) })
        {
            // The docker client may be here without its compose plugin: ask for the version first.
            if (Run(file, prefix + "version").ExitCode != 0)
            {
                continue;
            }

            var (exit, error) = Run(file, prefix + "config --quiet");
            Assert.True(exit == 0, $"{file} {prefix}config: {error}");
        }
    }

    private static (int ExitCode, string Error) Run(string file, string args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = Root, RedirectStandardError = true, RedirectStandardOutput = true })!;
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "not installed");
        }
    }

    private IEnumerable<(string Name, YamlMappingNode Service)> Services() =>
        _services.Children.Select(p => (((YamlScalarNode)p.Key).Value!, Merge((YamlMappingNode)p.Value)));

    private YamlMappingNode Service(string name) => Merge((YamlMappingNode)_services[name]);

    private List<string> Ports(string name) => Strings(Service(name), "ports");

    private static List<string> Strings(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var seq) ? ((YamlSequenceNode)seq).Children.Select(c => ((YamlScalarNode)c).Value!).ToList() : [];

    private Dictionary<string, string> Environment(string name) =>
        Merge((YamlMappingNode)Service(name)["environment"]).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!);

    /// <summary>Resolves YAML merge keys (<c>&lt;&lt;: *anchor</c>): the node's own keys win over merged ones.</summary>
    private static YamlMappingNode Merge(YamlMappingNode node)
    {
        var result = new YamlMappingNode();
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var merged))
        {
            foreach (var (k, v) in Merge((YamlMappingNode)merged).Children)
            {
                result.Children[k] = v;
            }
        }

        foreach (var (k, v) in node.Children)
        {
            if (((YamlScalarNode)k).Value != "<<")
            {
                result.Children[k] = v;
            }
        }

        return result;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aiops.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Aiops.sln) not found above " + AppContext.BaseDirectory);
    }
}
