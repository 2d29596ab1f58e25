using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Aiops.IntegrationTests;

/// <summary>The grains run the threshold predictor live: open predictions, aiops_prediction points, the graded scorecard.</summary>
public sealed class PredictionLiveTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly long StartNs = DateTimeOffset.Parse("2026-09-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;
    private const long MinuteNs = 60_000_000_000L;

    // The leak starts after a day at 60 % and climbs 1.5 points an hour: 95 % is crossed at 24 h + 35/1.5 h.
    private static readonly double CrossingMinute = (24 + 35 / 1.5) * 60;

    [Fact]
    public async Task MemoryClimbingTo95_GetsOpenPredictionBeforeCrossing_PlateauGetsNone_ScorecardGradesTheHit()
    {
        var noise = new Random(7);
        var checkAt = (int)(CrossingMinute - 180); // three hours before the crossing
        var end = (int)(CrossingMinute + 60);
        await WriteAsync(0, checkAt, noise);

        await SiloFixture.WaitUntilAsync(async () => (await OpenPredictionsAsync("leak-host")).Count > 0, "an open prediction for leak-host");
        await SiloFixture.WaitUntilAsync(async () =>
        {
            var plateau = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/plateau-host");
            return plateau.GetProperty("points").GetInt64() == checkAt;
        }, "every plateau-host sample analysed");
        var open = (await OpenPredictionsAsync("leak-host"))[0];
        Assert.Equal("mem.used_percent", open.GetProperty("series").GetString());
        Assert.Equal(95, open.GetProperty("threshold").GetDouble());
        var eta = open.GetProperty("eta").GetDateTimeOffset();
        var crossing = DateTimeOffset.UnixEpoch.AddTicks((StartNs + (long)(CrossingMinute * MinuteNs)) / 100);
        Assert.True(eta > crossing.AddHours(-3), $"ETA {eta:O} should lie after the time the prediction stands ({crossing.AddHours(-3):O})");
        Assert.InRange(open.GetProperty("probability").GetDouble(), 0.5, 1.0);

        await SiloFixture.WaitUntilAsync(async () =>
            (await silo.InfluxRowsAsync("SELECT eta_s, probability, id FROM aiops_prediction WHERE host = 'leak-host'")).Count > 0, "aiops_prediction points for leak-host");
        Assert.Empty(await OpenPredictionsAsync("plateau-host"));

        // The forecast band: one point per 10-minute bucket, an hour ahead, the band around the prediction.
        var forecasts = await silo.InfluxRowsAsync("SELECT predicted, lower, upper, horizon_s FROM aiops_forecast WHERE host = 'leak-host'");
        Assert.True(forecasts.Count > 100, $"{forecasts.Count} forecast points");
        Assert.All(forecasts, f => Assert.True(f[2].GetDouble() <= f[1].GetDouble() && f[1].GetDouble() <= f[3].GetDouble() && f[4].GetDouble() == 3600));
        var last = forecasts[^1];
        Assert.InRange(last[1].GetDouble(), 85, 95); // 1.5 points an hour: about 92 one hour after the check time
        Assert.Empty(await silo.InfluxRowsAsync("SELECT eta_s FROM aiops_prediction WHERE host = 'plateau-host'"));

        await WriteAsync(checkAt, end, noise);
        await SiloFixture.WaitUntilAsync(async () =>
        {
            var card = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions/scorecard");
            return card.GetProperty("overall").GetProperty("crossings").GetInt32() >= 1;
        }, "the crossing graded");

        var scorecard = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions/scorecard");
        var mem = scorecard.GetProperty("byMetric").EnumerateArray().Single(r => r.GetProperty("group").GetString() == "mem.used_percent");
        Assert.Equal(1, mem.GetProperty("crossings").GetInt32());
        Assert.Equal(0, mem.GetProperty("missedCrossings").GetInt32());
        Assert.True(mem.GetProperty("hits").GetInt32() >= 1, mem.ToString());
        Assert.Equal(1.0, mem.GetProperty("recall").GetDouble());
        Assert.True(mem.GetProperty("medianLeadMinutes").GetDouble() >= 60, mem.ToString());

        var graded = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions?state=closed&ci=leak-host");
        Assert.Contains(graded.EnumerateArray(), p => p.GetProperty("grade").GetString() == "hit" && p.GetProperty("crossing").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task CiAttributeThreshold_LeakTowardIt_PredictedAgainstTheCisOwnThreshold()
    {
        // The CMDB says this host must stay under 80 % memory (attribute threshold.mem.used_percent), not the default 95.
        using (var upsert = await silo.Http.PostAsJsonAsync("/api/v1/cis", new { id = "ci-threshold-host", type = "host", name = "ci-threshold-host", attributes = new Dictionary<string, string> { ["threshold.mem.used_percent"] = "80" } }))
        {
            Assert.True(upsert.IsSuccessStatusCode, await upsert.Content.ReadAsStringAsync());
        }

        // A day at 50 %, then 1.5 points an hour up to ≈ 77 % at the end: 80 % is two hours ahead, 95 % twelve.
        var noise = new Random(3);
        var body = new StringBuilder();
        for (var i = 0; i < (24 + 18) * 60; i++)
        {
            var value = 50 + 1.5 * Math.Max(0, (i / 60.0) - 24) + Gaussian(noise) * 0.5;
            body.Append(CultureInfo.InvariantCulture, $"mem,host=ci-threshold-host used_percent={value:0.###} {StartNs + i * MinuteNs}\n");
        }

        using (var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString())))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await SiloFixture.WaitUntilAsync(async () => (await OpenPredictionsAsync("ci-threshold-host")).Count > 0, "an open prediction for ci-threshold-host");
        var open = (await OpenPredictionsAsync("ci-threshold-host"))[0];
        Assert.Equal(80, open.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task PredictionsApi_UnknownState_Answers400()
    {
        using var response = await silo.Http.GetAsync("/api/v1/predictions?state=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<List<JsonElement>> OpenPredictionsAsync(string host) =>
        (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/predictions?state=open&ci={host}")).EnumerateArray().ToList();

    private async Task WriteAsync(int fromMinute, int toMinute, Random noise)
    {
        var body = new StringBuilder();
        for (var i = fromMinute; i < toMinute; i++)
        {
            var ts = StartNs + i * MinuteNs;
            var hours = i / 60.0;
            var leak = 60 + 1.5 * Math.Max(0, hours - 24) + Gaussian(noise) * 0.7;
            var plateau = 90 - 40 * Math.Exp(-hours / 8) + Gaussian(noise) * 0.5;
            body.Append(CultureInfo.InvariantCulture, $"mem,host=leak-host used_percent={leak:0.###} {ts}\n");
            body.Append(CultureInfo.InvariantCulture, $"mem,host=plateau-host used_percent={plateau:0.###} {ts}\n");
        }

        using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
