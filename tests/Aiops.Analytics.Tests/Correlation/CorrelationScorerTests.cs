using Aiops.Analytics.Correlation;
using Aiops.Eval.Correlate;

namespace Aiops.Analytics.Tests.Correlation;

public class CorrelationScorerTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // Fault A (root "r1"): a1, a2, a3. Fault B (root "r2"): b1, b2. Noise: n1.
    private static readonly CorrelationEvent[] Events =
    [
        new("a1", T, "r1", "s", 1, EventKind.Down),
        new("a2", T.AddSeconds(10), "x1", "s", 1, EventKind.Anomaly),
        new("b1", T.AddSeconds(20), "r2", "s", 1, EventKind.Anomaly),
        new("a3", T.AddSeconds(30), "x2", "s", 1, EventKind.Anomaly),
        new("b2", T.AddSeconds(40), "y1", "s", 1, EventKind.Anomaly),
        new("n1", T.AddMinutes(50), "z", "s", 1, EventKind.Anomaly),
    ];

    private static readonly GroundTruth Truth = new(
        new Dictionary<string, string?> { ["a1"] = "A", ["a2"] = "A", ["a3"] = "A", ["b1"] = "B", ["b2"] = "B", ["n1"] = null },
        new Dictionary<string, string> { ["A"] = "r1", ["B"] = "r2" });

    private static IncidentRecord Inc(string id, string? root, string[] candidates, params string[] events) =>
        new(id, root, candidates, events, null, null);

    [Fact]
    public void Score_PerfectIncidents_AllOnesAndIdealNoiseReduction()
    {
        var s = CorrelationScorer.Score(Truth, Events, [Inc("1", "r1", [], "a1", "a2", "a3"), Inc("2", "r2", [], "b1", "b2"), Inc("3", "z", [], "n1")]);
        Assert.Equal((1.0, 1.0, 1.0, 1.0, 1.0), (s.IncidentsPerFault, s.PairPrecision, s.PairRecall, s.RootTop1, s.RootTop3));
        Assert.Equal(1 - 3.0 / 6, s.NoiseReduction, 9);
        Assert.Equal(s.IdealNoiseReduction, s.NoiseReduction, 9);
    }

    [Fact]
    public void Score_EverythingInOneIncident_PrecisionDropsRecallStays()
    {
        var s = CorrelationScorer.Score(Truth, Events, [Inc("1", "r1", ["r2"], "a1", "a2", "a3", "b1", "b2", "n1")]);
        // 10 fault-event pairs share the incident, 3 + 1 of them share a fault.
        Assert.Equal(0.4, s.PairPrecision, 9);
        Assert.Equal(1.0, s.PairRecall, 9);
        Assert.Equal(0.5, s.RootTop1, 9);   // only fault A's root is named first
        Assert.Equal(1.0, s.RootTop3, 9);   // r2 is the first alternative
    }

    [Fact]
    public void Score_LeftOutEvents_CountAsOwnIncidents()
    {
        var s = CorrelationScorer.Score(Truth, Events, [Inc("1", "r1", [], "a1", "a2")]);
        Assert.Equal(5, s.Incidents);              // 1 listed + a3, b1, b2, n1 alone
        Assert.Equal((2 + 2) / 2.0, s.IncidentsPerFault, 9);
        Assert.Equal(1.0 / 4, s.PairRecall, 9);    // a1-a2 of a1-a2, a1-a3, a2-a3, b1-b2
        Assert.Equal(0.5, s.RootTop1, 9);          // fault B has no named root
    }

    [Fact]
    public void Score_EventInTwoIncidents_Throws()
    {
        Assert.Throws<FormatException>(() => CorrelationScorer.Score(Truth, Events, [Inc("1", "r1", [], "a1"), Inc("2", "r1", [], "a1")]));
    }

    [Fact]
    public void Score_RootThirdCandidate_CountsForTop3Only()
    {
        var s = CorrelationScorer.Score(Truth, Events, [Inc("1", "q", ["r1", "w", "r2"], "a1", "a2", "a3"), Inc("2", "q", ["w", "r2"], "b1", "b2")]);
        Assert.Equal(0.0, s.RootTop1, 9);
        Assert.Equal(1.0, s.RootTop3, 9);
    }

    [Fact]
    public void PerCi_GapLongerThan30Minutes_SplitsIncident()
    {
        var ev = new[] { new CorrelationEvent("1", T, "c", "s", 1, EventKind.Anomaly), new("2", T.AddMinutes(29), "c", "s", 1, EventKind.Anomaly), new("3", T.AddMinutes(60), "c", "s", 1, EventKind.Anomaly) };
        var inc = Baselines.PerCi(ev);
        Assert.Equal([["1", "2"], ["3"]], inc.Select(i => i.Events.ToArray()));
        Assert.Equal("c", inc[0].RootCi);
    }

    [Fact]
    public void TimeWindow_GapOfFiveMinutes_StartsNewIncident()
    {
        var ev = new[] { new CorrelationEvent("1", T, "a", "s", 1, EventKind.Anomaly), new("2", T.AddMinutes(4.9), "b", "s", 1, EventKind.Anomaly), new("3", T.AddMinutes(9.9), "c", "s", 1, EventKind.Anomaly) };
        var inc = Baselines.TimeWindow(ev);
        Assert.Equal([["1", "2"], ["3"]], inc.Select(i => i.Events.ToArray()));
        Assert.Equal(["b"], inc[0].RootCandidates);
    }

    [Fact]
    public void Generate_SameSeed_SameScenario()
    {
        var f = ScenarioFamily.Defaults[0];
        var a = ScenarioGenerator.Generate(f, 3);
        var b = ScenarioGenerator.Generate(f, 3);
        Assert.Equal(a.Events, b.Events);
        Assert.Equal(a.Events.Count, a.FaultOfEvent.Count);
        Assert.All(a.RootOfFault.Values, r => Assert.Contains(a.Cmdb.Cis, c => c.Id == r));
        Assert.True(a.Events.Zip(a.Events.Skip(1)).All(p => p.First.Time <= p.Second.Time));
    }
}
