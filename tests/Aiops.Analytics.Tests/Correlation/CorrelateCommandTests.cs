using Aiops.Analytics.Correlation;
using Aiops.Eval.Commands;
using Aiops.Eval.Correlate;

namespace Aiops.Analytics.Tests.Correlation;

public sealed class CorrelateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aiops-correlate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_GenerateCorrelateScore_EveryEventInExactlyOneIncident()
    {
        Assert.Equal(0, CorrelateCommand.Run(["generate", "--out", _dir, "--family", "small", "--seed", "5"]));
        var sub = Path.Combine(_dir, "small");
        var output = Path.Combine(_dir, "incidents.json");
        Assert.Equal(0, CorrelateCommand.Run(["--cmdb", Path.Combine(sub, "cmdb.json"), "--events", Path.Combine(sub, "events.csv"), "--out", output]));

        var events = CorrelationRunner.LoadEvents(Path.Combine(sub, "events.csv"));
        var incidents = IncidentsJson.Read(output);
        var assigned = incidents.SelectMany(i => i.Events).ToList();
        Assert.Equal(events.Count, assigned.Count);
        Assert.Equal(events.Select(e => e.Id).Order(), assigned.Order());
        Assert.All(incidents, i => Assert.NotNull(i.RootCi));
        Assert.All(incidents, i => Assert.DoesNotContain(i.RootCi!, i.RootCandidates));

        var score = CorrelationScorer.Score(GroundTruth.Read(Path.Combine(sub, "truth.csv")), events, incidents);
        // Far better grouping than one incident per CI, whatever the tuning.
        var perCi = CorrelationScorer.Score(GroundTruth.Read(Path.Combine(sub, "truth.csv")), events, Baselines.PerCi(events));
        Assert.True(score.PairRecall > perCi.PairRecall + 0.5);
        Assert.Equal(0, CorrelateCommand.Run(["score", "--truth", Path.Combine(sub, "truth.csv"), "--events", Path.Combine(sub, "events.csv"), "--incidents", output]));
    }

    [Fact]
    public void Run_MissingOption_ReturnsErrorCode()
    {
        Assert.Equal(1, CorrelateCommand.Run(["--cmdb", "x.json"]));
    }

    [Fact]
    public void Run_MalformedEventRows_KeepsGoodRows()
    {
        var cmdb = Path.Combine(_dir, "cmdb.json");
        File.WriteAllText(cmdb, """{"cis":[{"id":"h1","type":"host","name":"h1","attributes":{}}],"relations":[]}""");
        var events = Path.Combine(_dir, "events.csv");
        File.WriteAllText(events, "id,time,ci,series,score,kind\ne1,2026-03-01T00:00:00Z,h1,cpu,0.9,anomaly\ne2,bad,h1,cpu,0.9,anomaly\ne3,2026-03-01T00:01:00Z,h1,cpu,0.9,down\n");
        var output = Path.Combine(_dir, "out.json");
        Assert.Equal(0, CorrelateCommand.Run(["--cmdb", cmdb, "--events", events, "--out", output]));
        var incident = Assert.Single(IncidentsJson.Read(output));
        Assert.Equal(["e1", "e3"], incident.Events);
        Assert.Equal("h1", incident.RootCi);
        Assert.Equal(EventCsv.FormatTime(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)), EventCsv.FormatTime(incident.OpenedAt!.Value));
    }
}
