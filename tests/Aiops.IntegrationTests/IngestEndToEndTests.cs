using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aiops.Ingest.Grpc.V1;
using Grpc.Core;

namespace Aiops.IntegrationTests;

/// <summary>Telemetry through the real silo into the real InfluxDB, checked with InfluxQL.</summary>
public sealed class IngestEndToEndTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly long BaseNs = DateTimeOffset.Parse("2026-11-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task GrpcStream_10000Points_ArriveInInfluxExactly()
    {
        var client = new TelemetryIngest.TelemetryIngestClient(silo.Grpc);
        using var call = client.Stream();
        double expectedSum = 0;
        for (var r = 0; r < 10; r++)
        {
            var request = new WriteRequest { Sequence = (ulong)(100 + r) };
            for (var i = 0; i < 1000; i++)
            {
                var n = r * 1000 + i;
                var point = new Point { Measurement = "it_grpc", TimestampUnixNano = BaseNs + n * 1_000_000_000L };
                point.Tags.Add("host", $"grpc-host-{n % 7}");
                point.Fields.Add("value", n * 0.25);
                point.IntFields.Add("n", n);
                request.Points.Add(point);
                expectedSum += n * 0.25;
            }

            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var response = call.ResponseStream.Current;
            Assert.Equal((ulong)(100 + r), response.Sequence);
            Assert.Equal(1000u, response.Accepted);
            Assert.Empty(response.Rejected);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));

        await WaitForCountAsync("it_grpc", 10_000);
        var row = (await silo.InfluxRowsAsync("SELECT count(value), sum(value), min(n), max(n) FROM it_grpc"))[0];
        Assert.Equal(10_000, row[1].GetInt64());
        Assert.Equal(expectedSum, row[2].GetDouble());
        Assert.Equal(0, row[3].GetInt64());
        Assert.Equal(9_999, row[4].GetInt64());

        var one = (await silo.InfluxRowsAsync($"SELECT value, n, host FROM it_grpc WHERE time = {BaseNs + 4321 * 1_000_000_000L}"))[0];
        Assert.Equal(4321 * 0.25, one[1].GetDouble());
        Assert.Equal(4321, one[2].GetInt64());
        Assert.Equal($"grpc-host-{4321 % 7}", one[3].GetString());
    }

    [Fact]
    public async Task HttpWrite_10000LinesWith3BadLines_Answers400NamingThemAndStoresEveryGoodLine()
    {
        int[] bad = [2000, 5001, 8000];
        var body = new StringBuilder();
        double expectedSum = 0;
        var good = 0;
        for (var line = 1; line <= 10_003; line++)
        {
            if (bad.Contains(line))
            {
                body.Append(line == 5001 ? "it_http,host=h1 value=\n" : line == 2000 ? "it_http,host=h1 value=1.5 notatimestamp\n" : "it_http,host value=2\n");
                continue;
            }

            var ts = BaseNs + good * 1_000_000_000L;
            body.Append(CultureInfo.InvariantCulture, $"it_http,host=http-host-{good % 5} value={good * 0.5} {ts}\n");
            expectedSum += good * 0.5;
            good++;
        }

        using var response = await silo.Http.PostAsync("/write?db=aiops&precision=ns", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid", error.RootElement.GetProperty("code").GetString());
        Assert.StartsWith("partial write", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2000, error.RootElement.GetProperty("line").GetInt32());
        var errors = error.RootElement.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(bad, errors.Select(e => e.GetProperty("line").GetInt32()));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("message").GetString())));

        await WaitForCountAsync("it_http", 10_000);
        var row = (await silo.InfluxRowsAsync("SELECT count(value), sum(value) FROM it_http"))[0];
        Assert.Equal(10_000, row[1].GetInt64());
        Assert.Equal(expectedSum, row[2].GetDouble());

        // The good lines right around each bad one are stored with their values (the bad line took no neighbour down).
        foreach (var b in bad)
        {
            var before = b - 2 - bad.Count(x => x < b); // 0-based index of the good line just before
            var rows = await silo.InfluxRowsAsync($"SELECT value FROM it_http WHERE time >= {BaseNs + before * 1_000_000_000L} AND time <= {BaseNs + (before + 1) * 1_000_000_000L}");
            Assert.Equal([before * 0.5, (before + 1) * 0.5], rows.Select(r => r[1].GetDouble()));
        }
    }

    [Fact]
    public async Task HttpWrite_GzipBodyWithSecondPrecision_IsStoredWithNanosecondTimes()
    {
        var text = "it_gzip,host=gz value=1 1700000000\nit_gzip,host=gz value=2 1700000001\n";
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text));
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await silo.Http.PostAsync("/api/v2/write?org=o&bucket=b&precision=s", content);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        await WaitForCountAsync("it_gzip", 2);
        var rows = await silo.InfluxRowsAsync("SELECT value FROM it_gzip");
        Assert.Equal([1_700_000_000_000_000_000L, 1_700_000_001_000_000_000L], rows.Select(r => r[0].GetInt64()));
    }

    [Fact]
    public async Task HttpWrite_BodyOverLimit_Answers413AndStoresNothing()
    {
        var line = "it_big,host=big value=1\n";
        var body = new StringBuilder();
        while (body.Length <= 1024 * 1024)
        {
            body.Append(line);
        }

        using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await silo.InfluxRowsAsync("SELECT count(value) FROM it_big"));
    }

    [Fact]
    public async Task HttpWrite_UnknownPrecision_Answers400NamingIt()
    {
        using var response = await silo.Http.PostAsync("/write?precision=fortnight", new StringContent("m,host=h v=1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("fortnight", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcWrite_BadPoints_AreRejectedOneByOneWithIndexAndReason()
    {
        var client = new TelemetryIngest.TelemetryIngestClient(silo.Grpc);
        var request = new WriteRequest { Sequence = 7 };
        request.Points.Add(Make("it_rej", 1.0));
        request.Points.Add(Make(string.Empty, 2.0));
        request.Points.Add(Make("it_rej", double.NaN));
        request.Points.Add(Make("it_rej", 4.0));
        request.LineProtocol = "it_rej,host=rej v=5 1\nthis is not line protocol\n";

        var response = await client.WriteAsync(request);
        Assert.Equal(7ul, response.Sequence);
        Assert.Equal(3u, response.Accepted);
        Assert.Equal([1u, 2u, 5u], response.Rejected.Select(r => r.Index));
        Assert.Contains("measurement", response.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("NaN", response.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Contains("line 2", response.Rejected[2].Reason, StringComparison.Ordinal);
        await WaitForCountAsync("it_rej", 3);

        static Point Make(string measurement, double v)
        {
            var p = new Point { Measurement = measurement, TimestampUnixNano = BaseNs + (long)(v * 1e9) };
            p.Tags.Add("host", "rej");
            p.Fields.Add("v", v);
            return p;
        }
    }

    [Fact]
    public async Task GrpcWrite_EmptyIntegerFieldKeyOrNewlineInTag_RejectedWithReason_OthersAccepted()
    {
        var client = new TelemetryIngest.TelemetryIngestClient(silo.Grpc);
        var request = new WriteRequest { Sequence = 9 };
        var emptyKey = new Point { Measurement = "it_rej2", TimestampUnixNano = BaseNs };
        emptyKey.Tags.Add("host", "rej2");
        emptyKey.IntFields.Add(string.Empty, 1);
        var newline = new Point { Measurement = "it_rej2", TimestampUnixNano = BaseNs + 1 };
        newline.Tags.Add("host", "rej\n2");
        newline.Fields.Add("v", 1);
        var good = new Point { Measurement = "it_rej2", TimestampUnixNano = BaseNs + 2 };
        good.Tags.Add("host", "rej2");
        good.IntFields.Add("n", 3);
        request.Points.Add(emptyKey);
        request.Points.Add(newline);
        request.Points.Add(good);

        var response = await client.WriteAsync(request);
        Assert.Equal(1u, response.Accepted);
        Assert.Equal([0u, 1u], response.Rejected.Select(r => r.Index));
        Assert.Contains("field key", response.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("newline", response.Rejected[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostsApi_AfterIngest_ListsHostsAndShowsLatestValueCountAndRate()
    {
        var lines = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            lines.Append(CultureInfo.InvariantCulture, $"mem,host=api-host-a used_percent={40 + i * 2},total=100i {BaseNs + i * 10_000_000_000L}\n");
            lines.Append(CultureInfo.InvariantCulture, $"cpu,host=api-host-b,cpu=cpu-total usage_active={10 + i} {BaseNs + i * 10_000_000_000L}\n");
        }

        using var write = await silo.Http.PostAsync("/write", new StringContent(lines.ToString()));
        Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);

        await SiloFixture.WaitUntilAsync(async () =>
        {
            var hosts = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts");
            var names = hosts.EnumerateArray().Select(h => h.GetProperty("host").GetString()).ToHashSet();
            return names.Contains("api-host-a") && names.Contains("api-host-b");
        }, "hosts listed");

        var detail = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/api-host-a");
        var series = detail.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("series").GetString()!);
        Assert.Equal(48, series["mem.used_percent"].GetProperty("value").GetDouble());
        Assert.Equal(5, series["mem.used_percent"].GetProperty("count").GetInt64());
        Assert.Equal(0.2, series["mem.used_percent"].GetProperty("ratePerSecond").GetDouble(), 9);
        Assert.Equal(BaseNs + 40_000_000_000L, series["mem.used_percent"].GetProperty("timestampNs").GetInt64());
        Assert.Equal(100, series["mem.total"].GetProperty("value").GetDouble());

        var b = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/api-host-b");
        Assert.Equal(14, b.GetProperty("series")[0].GetProperty("value").GetDouble());
        Assert.Equal("cpu.usage_active{cpu=cpu-total}", b.GetProperty("series")[0].GetProperty("series").GetString());

        using var missing = await silo.Http.GetAsync("/api/v1/hosts/never-seen");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Operations_HealthReadinessAndMetrics_Answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/healthz")).StatusCode);
        using var ready = await silo.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        using var write = await silo.Http.PostAsync("/write", new StringContent("it_metrics,host=m v=1\nbad line\n"));
        var metrics = await silo.Http.GetStringAsync("/metrics");
        foreach (var name in new[] { "aiops_points_received_total", "aiops_points_accepted_total", "aiops_points_rejected_total", "aiops_points_written_total", "aiops_influx_batch_latency_seconds_bucket" })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        Assert.Matches(@"(?m)^aiops_points_rejected_total [1-9]", metrics);
    }

    [Fact]
    public async Task SeriesOverTheLimit_PointRejectedAndNamed_ExistingSeriesKeepFlowing()
    {
        // The host fills its budget one series per line; then a point bringing new series is refused whole, while a
        // point of an existing series and a point without host or ci (stored, unrouted) are accepted.
        var body = new StringBuilder();
        for (var i = 0; i < SiloFixture.MaxSeriesPerEntity; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"it_card,host=card-host f{i:D3}={i} {BaseNs}\n");
        }

        body.Append(CultureInfo.InvariantCulture, $"it_card,host=card-host f900=1,f901=2 {BaseNs + 1_000_000_000L}\n");
        body.Append(CultureInfo.InvariantCulture, $"it_card,host=card-host f001=42 {BaseNs + 2_000_000_000L}\n");
        body.Append(CultureInfo.InvariantCulture, $"it_card,site=nowhere f=1 {BaseNs}\n");
        using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = error.RootElement.GetProperty("errors").EnumerateArray().ToList();
        var bad = Assert.Single(errors);
        Assert.Equal(SiloFixture.MaxSeriesPerEntity + 1, bad.GetProperty("line").GetInt32());
        Assert.Contains("card-host", bad.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("f900", bad.GetProperty("message").GetString(), StringComparison.Ordinal);

        await SiloFixture.WaitUntilAsync(async () =>
        {
            using var r = await silo.Http.GetAsync("/api/v1/hosts/card-host");
            return r.IsSuccessStatusCode && (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("points").GetInt64() == SiloFixture.MaxSeriesPerEntity + 1;
        }, "every accepted sample analysed");
        var host = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/card-host");
        Assert.Equal(SiloFixture.MaxSeriesPerEntity, host.GetProperty("series").GetArrayLength());

        await SiloFixture.WaitUntilAsync(async () =>
        {
            var rows = await silo.InfluxRowsAsync("SELECT count(f001), count(f049), count(f) FROM it_card");
            return rows.Count > 0 && rows[0][1].GetInt64() == 2 && rows[0][2].GetInt64() == 1 && rows[0][3].GetInt64() == 1;
        }, "the accepted points stored");
        Assert.Empty(await silo.InfluxRowsAsync("SELECT f900 FROM it_card"));
        Assert.Equal(42, (await silo.InfluxRowsAsync($"SELECT f001 FROM it_card WHERE time = {BaseNs + 2_000_000_000L}"))[0][1].GetDouble());
        var metrics = await silo.Http.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^aiops_points_unrouted_total [1-9]", metrics);
        Assert.Matches(@"(?m)^aiops_points_series_limit_rejected_total [1-9]", metrics);
    }

    private Task WaitForCountAsync(string measurement, long expected) =>
        SiloFixture.WaitUntilAsync(async () =>
        {
            var rows = await silo.InfluxRowsAsync($"SELECT count(*) FROM {measurement}");
            return rows.Count > 0 && rows[0][1].GetInt64() >= expected;
        }, $"{expected} points of {measurement} in InfluxDB");
}
