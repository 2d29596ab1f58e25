using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Api.Features.Series;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Aiops.IntegrationTests;

/// <summary>
/// <c>/api/v1/series</c> against the real InfluxDB: raw values written through the silo's <c>/write</c>, derived points
/// (<c>aiops_anomaly</c>, <c>aiops_forecast</c>) written straight to InfluxDB as the grains would, and one anomaly
/// episode on the stream, so every expected figure is known exactly.
/// </summary>
public sealed class SeriesApiTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-09-01T00:00:00Z", CultureInfo.InvariantCulture);
    private static readonly long StartNs = UnixNanos.Of(Start);
    private const long MinuteNs = 60_000_000_000L;
    private const int Minutes = 120;
    private const string Host = "series-host";
    private const string Window = "from=2026-09-01T00:00:00Z&to=2026-09-01T02:00:00Z";

    // The data is written once per fixture (one silo per test class); the tests that need it await the same seeding.
    private static readonly SemaphoreSlim SeedGate = new(1, 1);
    private static SiloFixture? seededFor;

    /// <summary>mem.used_percent of series-host at minute i: a ramp, so every bucket mean is distinct and known.</summary>
    private static double Mem(int i) => 40 + (0.1 * i);

    [Fact]
    public async Task GetSeries_TenMinuteStep_ReturnsMeanOfEachBucket()
    {
        await SeedAsync();
        var json = await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&{Window}&step=10m");

        Assert.Equal(600, json.GetProperty("stepSeconds").GetInt64());
        Assert.Equal("mem", json.GetProperty("measurement").GetString());
        Assert.Equal("used_percent", json.GetProperty("field").GetString());
        var points = json.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(Minutes / 10, points.Count);
        for (var b = 0; b < points.Count; b++)
        {
            var expected = Enumerable.Range(b * 10, 10).Average(Mem);
            Assert.Equal(Start.AddMinutes(b * 10), points[b].GetProperty("time").GetDateTimeOffset());
            Assert.Equal(expected, points[b].GetProperty("value").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task GetSeries_NoStepOverTwoDays_ChoosesStepWithinMaxPoints()
    {
        await SeedAsync();
        var json = await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&from=2026-08-31T00:00:00Z&to=2026-09-02T00:00:00Z");

        // 48 h / 500 buckets = 346 s: the next nice step is 10 minutes, which the two hours of data fill 12 times.
        Assert.Equal(600, json.GetProperty("stepSeconds").GetInt64());
        Assert.Equal(12, json.GetProperty("points").GetArrayLength());

        var minute = await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&{Window}");
        Assert.Equal(15, minute.GetProperty("stepSeconds").GetInt64()); // 7,200 s / 500 = 14.4 s
        Assert.Equal(Minutes, minute.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task GetSeries_TaggedKeys_ReadOnlyTheirOwnTagSet()
    {
        await SeedAsync();
        var total = await GetOkAsync($"/api/v1/series?entity={Host}&series={Uri.EscapeDataString("cpu.usage_active{cpu=cpu-total}")}&{Window}&step=1h");
        var core = await GetOkAsync($"/api/v1/series?entity={Host}&series={Uri.EscapeDataString("cpu.usage_active{cpu=cpu0}")}&{Window}&step=1h");
        var untagged = await GetOkAsync($"/api/v1/series?entity={Host}&series=cpu.usage_active&{Window}&step=1h");

        Assert.All(total.GetProperty("points").EnumerateArray(), p => Assert.Equal(50, p.GetProperty("value").GetDouble(), 6));
        Assert.All(core.GetProperty("points").EnumerateArray(), p => Assert.Equal(10, p.GetProperty("value").GetDouble(), 6));
        Assert.Equal(2, total.GetProperty("points").GetArrayLength());
        Assert.Equal("cpu-total", total.GetProperty("tags").GetProperty("cpu").GetString());

        // No point of cpu.usage_active lacks the cpu tag, so the untagged key has no data (rather than a mix of both).
        Assert.Equal(0, untagged.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task GetSeries_DerivedPointsAndEpisode_ReturnsFlaggedMarksEpisodeAndForecastBand()
    {
        await SeedAsync();
        var json = await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&kind=host&from=2026-09-01T00:00:00Z&to=2026-09-01T03:00:00Z&step=1m");

        // Flagged at minutes 90 and 91 (scores 0.9, 0.95); minute 30 scored 0.6 without a flag and is left out.
        var marks = json.GetProperty("anomalies").EnumerateArray().ToList();
        Assert.Equal([Start.AddMinutes(90), Start.AddMinutes(91)], marks.Select(m => m.GetProperty("time").GetDateTimeOffset()));
        Assert.Equal([0.9, 0.95], marks.Select(m => m.GetProperty("score").GetDouble()));
        Assert.Equal(Mem(90), marks[0].GetProperty("value").GetDouble(), 6);

        var episode = Assert.Single(json.GetProperty("episodes").EnumerateArray());
        Assert.Equal(Start.AddMinutes(90), episode.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("aiops", episode.GetProperty("detector").GetString());

        // The band: one point every 10 minutes from 02:10 to 03:00 (ahead of the data, as the grains stamp it).
        var band = json.GetProperty("forecast").EnumerateArray().ToList();
        Assert.Equal(5, band.Count);
        Assert.Equal(Start.AddMinutes(130), band[0].GetProperty("time").GetDateTimeOffset());
        Assert.All(band, f => Assert.True(f.GetProperty("lower").GetDouble() < f.GetProperty("predicted").GetDouble() && f.GetProperty("predicted").GetDouble() < f.GetProperty("upper").GetDouble()));

        // A score threshold instead of the flag takes in the unflagged 0.6 (and whatever the grain's own scores reach);
        // another series of the host shares nothing.
        var lowered = (await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&{Window}&step=1m&minScore=0.5")).GetProperty("anomalies").EnumerateArray().ToList();
        Assert.All(lowered, m => Assert.True(m.GetProperty("score").GetDouble() >= 0.5));
        Assert.True(lowered.Single(m => m.GetProperty("time").GetDateTimeOffset() == Start.AddMinutes(30)).GetProperty("score").GetDouble() >= 0.6);
        Assert.Contains(lowered, m => m.GetProperty("time").GetDateTimeOffset() == Start.AddMinutes(90));
        var cpu = await GetOkAsync($"/api/v1/series?entity={Host}&series={Uri.EscapeDataString("cpu.usage_active{cpu=cpu-total}")}&{Window}&step=1m");
        Assert.Equal(0, cpu.GetProperty("anomalies").GetArrayLength());
        Assert.Equal(0, cpu.GetProperty("episodes").GetArrayLength());

        // kind=ci reads tag ci: series-host is a host, so there is nothing.
        var asCi = await GetOkAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&kind=ci&{Window}");
        Assert.Equal(0, asCi.GetProperty("points").GetArrayLength());
        Assert.Equal(0, asCi.GetProperty("episodes").GetArrayLength());
    }

    [Theory]
    [InlineData("other-host' OR \"host\" = 'series-host", "mem.used_percent")]
    [InlineData("other-host\\' OR host = \\'series-host", "mem.used_percent")]
    [InlineData("series-host", "mem.used_percent{x=1' OR '1'='1}")]
    [InlineData("series-host", "mem\".\"used_percent")]
    public async Task GetSeries_QuotesInNames_MatchNothingInsteadOfOtherData(string entity, string series)
    {
        await SeedAsync();
        var json = await GetOkAsync($"/api/v1/series?entity={Uri.EscapeDataString(entity)}&series={Uri.EscapeDataString(series)}&{Window}");

        Assert.Equal(entity, json.GetProperty("entity").GetString());
        Assert.Equal(0, json.GetProperty("points").GetArrayLength());
        Assert.Equal(0, json.GetProperty("anomalies").GetArrayLength());
    }

    [Theory]
    [InlineData("series=mem.used_percent", "entity is required")]
    [InlineData("entity=h&series=mem", "measurement.field")]
    [InlineData("entity=h&series=mem.used_percent{cpu", "does not end with '}'")]
    [InlineData("entity=h&series=mem.used_percent&kind=switch", "kind must be host or ci")]
    [InlineData("entity=h&series=mem.used_percent&from=yesterday", "from must be an ISO-8601 time")]
    [InlineData("entity=h&series=mem.used_percent&from=2026-09-02T00:00:00Z&to=2026-09-01T00:00:00Z", "must be before to")]
    [InlineData("entity=h&series=mem.used_percent&from=2026-07-01T00:00:00Z&to=2026-09-01T00:00:00Z", "maximum of 31 days")]
    [InlineData("entity=h&series=mem.used_percent&from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z", "nanosecond time range")]
    [InlineData("entity=h&series=mem.used_percent&step=0", "step must be")]
    [InlineData("entity=h&series=mem.used_percent&step=5x", "step must be")]
    [InlineData("entity=h&series=mem.used_percent&step=999999999d", "step must be")]
    [InlineData("entity=h&series=mem.used_percent&from=2026-09-01T00:00:00Z&to=2026-09-02T00:00:00Z&step=60", "use at least")]
    [InlineData("entity=h&series=mem.used_percent&minScore=2", "minScore must be")]
    [InlineData("entity=h%0Ax&series=mem.used_percent", "control character (U+000A) at column 2")]
    public async Task GetSeries_BadParameter_Answers400ProblemNamingIt(string query, string named)
    {
        using var response = await silo.Http.GetAsync($"/api/v1/series?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(named, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task GetSeries_InfluxUnreachable_Answers503Problem()
    {
        // The handler binds Influx:* on every call; port 1 on loopback refuses connections at once.
        var configuration = silo.App.Configuration;
        var url = configuration["Influx:Url"];
        configuration["Influx:Url"] = "http://127.0.0.1:1";
        try
        {
            using var response = await silo.Http.GetAsync($"/api/v1/series?entity={Host}&series=mem.used_percent&{Window}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("127.0.0.1:1", problem.GetProperty("detail").GetString());
        }
        finally
        {
            configuration["Influx:Url"] = url;
        }
    }

    [Fact]
    public async Task OpenApi_SeriesPath_DocumentsParametersAndProblems()
    {
        var doc = await silo.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var get = doc.GetProperty("paths").GetProperty("/api/v1/series").GetProperty("get");

        var parameters = get.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p);
        Assert.All(new[] { "entity", "series", "kind", "from", "to", "step", "minScore" }, n => Assert.True(parameters.ContainsKey(n), n));
        Assert.Contains("500 buckets", parameters["step"].GetProperty("description").GetString());
        var responses = get.GetProperty("responses");
        Assert.All(new[] { "200", "400", "502", "503" }, code => Assert.True(responses.TryGetProperty(code, out _), code));
    }

    [Fact]
    public void InfluxQl_QuotesAndBackslashes_AreEscapedForBothQuoteKinds()
    {
        Assert.Equal(@"'a\'b\\c\""d\ne'", InfluxQl.String("a'b\\c\"d\ne"));
        Assert.Equal(@"""mem\"" OR \'1\'""", InfluxQl.Identifier("mem\" OR '1'"));
    }

    private async Task<JsonElement> GetOkAsync(string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task SeedAsync()
    {
        await SeedGate.WaitAsync();
        try
        {
            if (ReferenceEquals(seededFor, silo))
            {
                return;
            }

            var raw = new StringBuilder();
            for (var i = 0; i < Minutes; i++)
            {
                var ts = StartNs + (i * MinuteNs);
                raw.Append(CultureInfo.InvariantCulture, $"mem,host={Host} used_percent={Mem(i):0.###} {ts}\n");
                raw.Append(CultureInfo.InvariantCulture, $"mem,host=other-host used_percent=99 {ts}\n");
                raw.Append(CultureInfo.InvariantCulture, $"cpu,host={Host},cpu=cpu-total usage_active=50 {ts}\n");
                raw.Append(CultureInfo.InvariantCulture, $"cpu,host={Host},cpu=cpu0 usage_active=10 {ts}\n");
            }

            using (var write = await silo.Http.PostAsync("/write", new StringContent(raw.ToString())))
            {
                Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);
            }

            // Derived points as the grains write them (DESIGN §5), straight to InfluxDB so their figures are exact. The
            // grain scores series-host too (unflagged: 120 points are within probation), stamped on the minute with
            // detector aiops; these are half a minute later under a detector of their own, so neither overwrites the other.
            var derived = new StringBuilder();
            foreach (var (minute, score, flagged) in new[] { (30, 0.6, false), (90, 0.9, true), (91, 0.95, true) })
            {
                derived.Append(CultureInfo.InvariantCulture, $"aiops_anomaly,host={Host},series=mem.used_percent,detector=seeded score={score},value={Mem(minute):0.###},anomaly={(flagged ? "true" : "false")} {StartNs + (minute * MinuteNs) + (MinuteNs / 2)}\n");
            }

            for (var minute = 130; minute <= 170; minute += 10)
            {
                derived.Append(CultureInfo.InvariantCulture, $"aiops_forecast,host={Host},series=mem.used_percent predicted=55,lower=52,upper=58,horizon_s=3600 {StartNs + (minute * MinuteNs)}\n");
            }

            using (var write = await silo.Influx.PostAsync($"/write?db={silo.Database}&precision=ns", new StringContent(derived.ToString())))
            {
                Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);
            }

            var client = silo.App.Services.GetRequiredService<IClusterClient>();
            var stream = client.GetStreamProvider(AnomalyStreams.Provider).GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
            var onset = StartNs + (90 * MinuteNs);
            await stream.OnNextAsync(new AnomalyEvent($"host/{Host}/mem.used_percent/{onset}", EntityKind.Host, Host, "mem.used_percent", "aiops", 0.9, Mem(90), onset));

            await SiloFixture.WaitUntilAsync(async () =>
            {
                var mem = await silo.InfluxRowsAsync($"SELECT count(used_percent) FROM mem WHERE host = '{Host}'");
                var cpu = await silo.InfluxRowsAsync($"SELECT count(usage_active) FROM cpu WHERE host = '{Host}'");
                var other = await silo.InfluxRowsAsync("SELECT count(used_percent) FROM mem WHERE host = 'other-host'");
                var episodes = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/anomalies?ci={Host}");
                return mem.Count > 0 && mem[0][1].GetInt64() == Minutes && cpu.Count > 0 && cpu[0][1].GetInt64() == 2 * Minutes
                    && other.Count > 0 && other[0][1].GetInt64() == Minutes && episodes.GetArrayLength() > 0;
            }, "the raw points in InfluxDB and the episode in the anomaly log");
            seededFor = silo;
        }
        finally
        {
            SeedGate.Release();
        }
    }
}
