using Aiops.Analytics.Correlation;

namespace Aiops.Analytics.Tests.Correlation;

public class EventCsvTests
{
    [Fact]
    public void Read_BadRows_ReportedWithPositionAndGoodRowsKept()
    {
        var csv = "id,time,ci,series,score,kind\n"
            + "e1,2026-03-01T00:00:00Z,h1,cpu,0.9,anomaly\n"
            + "e2,yesterday,h1,cpu,0.9,anomaly\n"
            + "e3,2026-03-01T00:01:00Z,h1,cpu,0.9,broken\n"
            + "e4,2026-03-01T00:02:00Z,h2,\"mem,used\",1.5,down\n";
        var errors = new List<string>();
        var events = EventCsv.Read(new StringReader(csv), "ev.csv", errors);
        Assert.Equal(["e1", "e4"], events.Select(e => e.Id));
        Assert.Equal("mem,used", events[1].Series);
        Assert.Equal(1.0, events[1].Score); // clamped to [0,1]
        Assert.Equal(["ev.csv:3:4: bad time 'yesterday' (ISO-8601 expected; row skipped)",
                      "ev.csv:4:36: unknown kind 'broken' (anomaly|prediction|down; row skipped)"], errors);
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        var ev = new CorrelationEvent("e1", new DateTimeOffset(2026, 3, 1, 0, 0, 5, TimeSpan.Zero), "h,1", "cpu", 0.25, EventKind.Prediction);
        var w = new StringWriter();
        EventCsv.Write(w, [ev]);
        var back = EventCsv.Read(new StringReader(w.ToString()), "x", []);
        Assert.Equal(ev, Assert.Single(back));
    }
}
