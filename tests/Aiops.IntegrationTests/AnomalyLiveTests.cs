using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Aiops.IntegrationTests;

/// <summary>The grains run the analytics detector live: scores in InfluxDB, episodes as events and in the API.</summary>
public sealed class AnomalyLiveTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly long StartNs = DateTimeOffset.Parse("2026-10-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;
    private const long StepNs = 60_000_000_000L; // one sample a minute
    private const int ShiftAt = 900;             // 15 h of normal behaviour first
    private const int Samples = 1_200;

    [Fact]
    public async Task LevelShiftInMemory_GetsAnomalyPointsAroundTheShiftAndAnEvent_NormalHostGetsNone()
    {
        var body = new StringBuilder();
        var noise = new Random(42);
        for (var i = 0; i < Samples; i++)
        {
            var ts = StartNs + i * StepNs;
            var common = 40 + 2 * Math.Sin(i / 60.0) + Gaussian(noise) * 0.8;
            var shifted = i >= ShiftAt ? common + 25 : common;
            body.Append(CultureInfo.InvariantCulture, $"mem,host=shift-host used_percent={shifted:0.###} {ts}\n");
            body.Append(CultureInfo.InvariantCulture, $"mem,host=calm-host used_percent={common:0.###} {ts}\n");
        }

        using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        // Each grain writes its own derived points and the anomaly log hears of episodes through a stream: wait for all
        // three to have happened before judging them.
        await SiloFixture.WaitUntilAsync(async () =>
        {
            var calmScores = await silo.InfluxRowsAsync("SELECT count(score) FROM aiops_anomaly WHERE host = 'calm-host'");
            var shiftScores = await silo.InfluxRowsAsync("SELECT count(score) FROM aiops_anomaly WHERE host = 'shift-host'");
            var shiftEvents = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/anomalies?ci=shift-host");
            return calmScores.Count > 0 && calmScores[0][1].GetInt64() >= (Samples - 60) / 60
                && shiftScores.Count > 0 && shiftScores[0][1].GetInt64() >= (Samples - 60) / 60
                && shiftEvents.GetArrayLength() > 0;
        }, "scores of both hosts written and shift-host's anomaly event logged");

        var shiftNs = StartNs + ShiftAt * StepNs;
        var anomalies = await silo.InfluxRowsAsync("SELECT score, value FROM aiops_anomaly WHERE host = 'shift-host' AND anomaly = true AND \"series\" = 'mem.used_percent'");
        Assert.NotEmpty(anomalies);
        var first = anomalies.Min(r => r[0].GetInt64());
        Assert.InRange(first, shiftNs, shiftNs + 30 * StepNs);
        Assert.All(anomalies, r => Assert.InRange(r[1].GetDouble(), 0.5, 1.0));

        Assert.Empty(await silo.InfluxRowsAsync("SELECT score FROM aiops_anomaly WHERE host = 'calm-host' AND anomaly = true"));

        var events = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/anomalies?ci=shift-host");
        var onset = events.EnumerateArray().Select(e => e.GetProperty("timestampNs").GetInt64()).ToList();
        Assert.Contains(onset, t => t >= shiftNs && t <= shiftNs + 30 * StepNs);
        Assert.Equal("mem.used_percent", events[0].GetProperty("series").GetString());
        var calm = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/anomalies?ci=calm-host");
        Assert.Equal(0, calm.GetArrayLength());
    }

    [Fact]
    public async Task BrokenRelationBetweenTwoSeries_HostModelFlagsIt_EachSeriesAloneInRange()
    {
        // Memory and CPU move together for 8 hours; then CPU moves against memory while both stay in their usual ranges.
        var body = new StringBuilder();
        var noise = new Random(3);
        const int normal = 8 * 60;
        for (var i = 0; i < normal + 30; i++)
        {
            var ts = StartNs + i * StepNs;
            var mem = 50 + 10 * Math.Sin(i / 20.0) + Gaussian(noise) * 0.3;
            var cpu = i < normal ? 30 + 2 * (mem - 50) + Gaussian(noise) * 0.5 : 30 - 2 * (mem - 50) + Gaussian(noise) * 0.5;
            body.Append(CultureInfo.InvariantCulture, $"mem,host=joint-host used_percent={mem:0.###} {ts}\n");
            body.Append(CultureInfo.InvariantCulture, $"cpu,host=joint-host,cpu=cpu-total usage_active={cpu:0.###} {ts}\n");
        }

        using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var breakNs = StartNs + normal * StepNs;
        await SiloFixture.WaitUntilAsync(async () =>
            (await silo.InfluxRowsAsync($"SELECT score FROM aiops_anomaly WHERE host = 'joint-host' AND detector = 'hostpca' AND time >= {breakNs + 20 * StepNs}")).Count > 0,
            "host model scores past the break");
        var before = await silo.InfluxRowsAsync($"SELECT max(score) FROM aiops_anomaly WHERE host = 'joint-host' AND detector = 'hostpca' AND time < {breakNs}");
        var after = await silo.InfluxRowsAsync($"SELECT score FROM aiops_anomaly WHERE host = 'joint-host' AND detector = 'hostpca' AND anomaly = true AND time >= {breakNs}");
        Assert.True(before[0][1].GetDouble() < 0.75, $"max score before the break {before[0][1]}");
        Assert.True(after.Count >= 10, $"{after.Count} anomalous buckets after the break");
    }

    [Fact]
    public async Task AnomaliesApi_BadTime_Answers400()
    {
        using var response = await silo.Http.GetAsync("/api/v1/anomalies?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("yesterday", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
