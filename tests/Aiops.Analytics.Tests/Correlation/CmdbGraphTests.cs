using Aiops.Analytics.Cmdb;

namespace Aiops.Analytics.Tests.Correlation;

public class CmdbGraphTests
{
    private readonly CmdbGraph _g = TestEstate.Graph();

    [Fact]
    public void Upstream_Vm_ReturnsItsHypervisor()
    {
        Assert.Equal(["hv1"], _g.Upstream("vm1-2"));
    }

    [Fact]
    public void Downstream_Hypervisor_ReturnsItsVms()
    {
        Assert.Equal(["vm1-1", "vm1-2", "vm1-3"], _g.Downstream("hv1").Order());
    }

    [Fact]
    public void Impact_Tor_ContainsWholeSubtreeAndCrossDependents()
    {
        var impact = _g.Impact("tor1");
        Assert.Contains("svc2-3", impact);
        Assert.Contains("lb1", impact); // lb1 depends on svc1-1 which runs on vm1-1 on hv1 on tor1
        Assert.Contains("app1", impact);
        Assert.DoesNotContain("hv3", impact);
        Assert.DoesNotContain("tor1", impact);
    }

    [Fact]
    public void Dependencies_Service_ReachesSite()
    {
        var deps = _g.Dependencies("svc1-1");
        Assert.Contains("db1", deps);
        Assert.Contains("core", deps);
        Assert.Contains("site", deps);
    }

    [Theory]
    [InlineData("vm1-1", "vm1-1", 0)]
    [InlineData("vm1-1", "hv1", 1)]
    [InlineData("vm1-1", "vm1-2", 2)]
    [InlineData("vm1-1", "tor1", 2)]
    [InlineData("nope", "hv1", -1)]
    public void Distance_Pairs_ReturnsUndirectedHops(string a, string b, int expected)
    {
        Assert.Equal(expected, _g.Distance(a, b));
    }

    [Fact]
    public void ClosureSize_Hypervisor_CountsItselfVmsAndTheirDependents()
    {
        Assert.True(_g.TryGetIndex("hv2", out var hv2));
        // hv2, 3 VMs, 3 services, plus db? no: db1 runs on vm3-1. svc2-1 depends on db1, not the reverse.
        Assert.Equal(7, _g.ClosureSize(hv2));
    }

    [Fact]
    public void Constructor_CyclicRelations_Terminates()
    {
        var doc = new CmdbDocument(
            [new("a", "host", "a"), new("b", "host", "b")],
            [new("a", "b", RelationType.ConnectsTo), new("b", "a", RelationType.ConnectsTo)]);
        var g = new CmdbGraph(doc);
        Assert.Equal(["b"], g.Impact("a"));
    }
}
