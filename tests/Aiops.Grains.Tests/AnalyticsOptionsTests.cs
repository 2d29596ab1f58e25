using Aiops.Grains;

namespace Aiops.Grains.Tests;

public class AnalyticsOptionsTests
{
    private static AnalyticsOptions Options() => new()
    {
        Thresholds = new(StringComparer.Ordinal) { ["mem.used_percent"] = 93 },
        ThresholdsByCiType = new(StringComparer.Ordinal)
        {
            ["database"] = new(StringComparer.Ordinal) { ["mem.used_percent"] = 85, ["disk.used_percent"] = 0 },
        },
    };

    [Fact]
    public void TryGetThreshold_NoCi_UsesPerMetricSettingThenDefaults()
    {
        var o = Options();
        Assert.True(o.TryGetThreshold("mem.used_percent", null, null, out var metric, out var t));
        Assert.Equal(("mem.used_percent", 93.0), (metric, t));
        Assert.True(o.TryGetThreshold("disk.used_percent{path=/}", null, null, out metric, out t));
        Assert.Equal(("disk.used_percent", 90.0), (metric, t));
        Assert.False(o.TryGetThreshold("system.load1", null, null, out _, out _));
    }

    [Fact]
    public void TryGetThreshold_CiType_WinsOverMetricSetting_AndZeroTurnsItOff()
    {
        var o = Options();
        Assert.True(o.TryGetThreshold("mem.used_percent", "database", null, out _, out var t));
        Assert.Equal(85, t);
        Assert.False(o.TryGetThreshold("disk.used_percent{path=/}", "database", null, out _, out _));
        Assert.True(o.TryGetThreshold("mem.used_percent", "host", null, out _, out t));
        Assert.Equal(93, t);
    }

    [Fact]
    public void TryGetThreshold_CiAttribute_WinsOverEverything_UnparsableIsIgnored()
    {
        var o = Options();
        Assert.True(o.TryGetThreshold("mem.used_percent", "database", new Dictionary<string, string> { ["threshold.mem.used_percent"] = "70.5" }, out _, out var t));
        Assert.Equal(70.5, t);
        Assert.True(o.TryGetThreshold("mem.used_percent", "database", new Dictionary<string, string> { ["threshold.mem.used_percent"] = "lots" }, out _, out t));
        Assert.Equal(85, t);
        Assert.False(o.TryGetThreshold("mem.used_percent", null, new Dictionary<string, string> { ["threshold.mem.used_percent"] = "0" }, out _, out _));
    }

    [Fact]
    public void TryGetThreshold_PerCoreCpu_IsNeverPredicted()
    {
        Assert.False(Options().TryGetThreshold("cpu.usage_active{cpu=cpu0}", "host", new Dictionary<string, string> { ["threshold.cpu.usage_active"] = "50" }, out _, out _));
        Assert.True(Options().TryGetThreshold("cpu.usage_active{cpu=cpu-total}", "host", null, out _, out var t));
        Assert.Equal(95, t);
    }
}
