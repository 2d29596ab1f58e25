using System.Globalization;
using System.Text.Json;
using Aiops.Ingest.Grpc.V1;

namespace Aiops.IntegrationTests;

/// <summary>
/// A per-host multivariate (hostpca) episode recovers its incident member: the end of the episode names the series its
/// onset named (<c>host:&lt;top series&gt;</c>), so the incident resolves once the host is back. A silo of its own.
/// </summary>
public sealed class JointAnomalyRecoveryTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    private const long Minute = 60_000_000_000L;
    private static readonly long Start = DateTimeOffset.Parse("2026-11-13T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task TelemetryOverGrpc_MemoryLeavesItsUsualRelationWithIoWaitThenReturns_JointMemberRecoversAndIncidentResolves()
    {
        // Memory and I/O wait move together (one daily-like factor); from minute 320 to 340 memory alone jumps. The
        // host model trains after 240 one-minute buckets, the univariate detectors leave probation after 300 points.
        var noise = new Random(3);
        using var call = new TelemetryIngest.TelemetryIngestClient(silo.Grpc).Stream();
        for (var minute = 0; minute < 370; minute++)
        {
            var factor = Math.Sin(minute / 20.0);
            var request = new WriteRequest { Sequence = (ulong)minute };
            request.Points.Add(Point("mem", "used_percent", minute, 40 + 5 * factor + noise.NextDouble() - 0.5 + (minute is >= 320 and < 340 ? 30 : 0)));
            request.Points.Add(Point("cpu", "usage_iowait", minute, 10 + 2 * factor + (noise.NextDouble() - 0.5) / 3));
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await call.RequestStream.CompleteAsync();

        var incident = await IncidentEndToEndTests.WaitForAsync("the j1 incident with a joint member, resolved", async () =>
        {
            var mine = (await IncidentEndToEndTests.ListAsync(silo, "all"))
                .Where(i => i.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("ci").GetString() == "j1" && m.GetProperty("series").GetString()!.StartsWith("host:", StringComparison.Ordinal)))
                .ToList();
            return mine.Count == 1 && mine[0].GetProperty("state").GetString() == "resolved" ? mine[0] : (JsonElement?)null;
        });
        var joint = Assert.Single(incident.GetProperty("members").EnumerateArray(), m => m.GetProperty("series").GetString()!.StartsWith("host:", StringComparison.Ordinal));
        Assert.Contains(joint.GetProperty("series").GetString(), new[] { "host:mem.used_percent", "host:cpu.usage_iowait" });
        Assert.True(joint.GetProperty("recovered").GetBoolean());
        Assert.All(incident.GetProperty("members").EnumerateArray(), m => Assert.True(m.GetProperty("recovered").GetBoolean(), m.GetRawText()));
    }

    private static Point Point(string measurement, string field, int minute, double value)
    {
        var point = new Point { Measurement = measurement, TimestampUnixNano = Start + minute * Minute };
        point.Tags.Add("host", "j1");
        point.Fields.Add(field, Math.Round(value, 3));
        return point;
    }
}
