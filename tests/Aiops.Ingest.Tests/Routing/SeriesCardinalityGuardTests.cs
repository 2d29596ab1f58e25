using Aiops.Abstractions.Models;
using Aiops.Ingest.Routing;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Tests.Routing;

public sealed class SeriesCardinalityGuardTests
{
    private static SeriesSample S(string series) => new(series, 1, 1);

    [Fact]
    public void TryAdmit_PointWouldPassTheLimit_RefusedWholeAndNothingRemembered()
    {
        var guard = new SeriesCardinalityGuard(Options.Create(new IngestOptions { MaxSeriesPerEntity = 3 }));
        Assert.True(guard.TryAdmit(EntityKind.Host, "h", [S("a"), S("b")], out _));
        Assert.False(guard.TryAdmit(EntityKind.Host, "h", [S("c"), S("d")], out var first));
        Assert.Equal("d", first);

        // "c" was not remembered by the refused point: it still fits on its own, and then the budget is full.
        Assert.True(guard.TryAdmit(EntityKind.Host, "h", [S("c")], out _));
        Assert.False(guard.TryAdmit(EntityKind.Host, "h", [S("d")], out _));
    }

    [Fact]
    public void TryAdmit_KnownSeriesAtTheLimit_KeepFlowing_AndEntitiesHaveTheirOwnBudget()
    {
        var guard = new SeriesCardinalityGuard(Options.Create(new IngestOptions { MaxSeriesPerEntity = 2 }));
        Assert.True(guard.TryAdmit(EntityKind.Host, "h", [S("a"), S("b")], out _));
        Assert.True(guard.TryAdmit(EntityKind.Host, "h", [S("a"), S("b"), S("a")], out _));
        Assert.True(guard.TryAdmit(EntityKind.Host, "other", [S("x"), S("y")], out _));
        Assert.True(guard.TryAdmit(EntityKind.Ci, "h", [S("x"), S("y")], out _));
        Assert.False(guard.TryAdmit(EntityKind.Host, "h", [S("z")], out var first));
        Assert.Equal("z", first);
    }
}
