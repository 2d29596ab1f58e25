using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aiops.Ingest.Otlp.Proto.Collector.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Common.V1;
using Aiops.Ingest.Otlp.Proto.Metrics.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Metric = Aiops.Ingest.Otlp.Proto.Metrics.V1.Metric;
using Resource = Aiops.Ingest.Otlp.Proto.Resource.V1.Resource;

namespace Aiops.IntegrationTests;

/// <summary>
/// OTLP metrics (DESIGN §4.2) through the real silo into the real InfluxDB, shipped by the real OpenTelemetry .NET SDK
/// (MeterProvider + OTLP exporter over gRPC) and, for the error paths, by the generated OTLP client.
/// </summary>
public sealed class OtlpTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly ulong BaseNs = (ulong)DateTimeOffset.Parse("2026-11-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task Export_OpenTelemetrySdkGaugeCounterHistogram_ArriveInInfluxAndHostIsListed()
    {
        using var meter = new Meter("Aiops.IntegrationTests.Otlp");
        using var provider = MeterProvider(meter.Name, "otlp-sdk-host", silo.GrpcPort, headers: null);
        meter.CreateGauge<double>("otlp.it.temperature").Record(21.5, new KeyValuePair<string, object?>("room", "lab"));
        var requests = meter.CreateCounter<long>("otlp.it.requests");
        requests.Add(3);
        requests.Add(4);
        var latency = meter.CreateHistogram<double>("otlp.it.latency");
        latency.Record(0.003);
        latency.Record(0.2);
        latency.Record(7);

        Assert.True(provider.ForceFlush(30_000), "the OTLP exporter reported a failed export");

        await WaitForRowsAsync("SELECT value, host, room FROM otlp_it_temperature", 1);
        var temperature = (await silo.InfluxRowsAsync("SELECT value, host, room, \"service.name\" FROM otlp_it_temperature"))[0];
        Assert.Equal(21.5, temperature[1].GetDouble());
        Assert.Equal("otlp-sdk-host", temperature[2].GetString());
        Assert.Equal("lab", temperature[3].GetString());
        Assert.Equal("otlp-it", temperature[4].GetString());

        // The SDK's own resource attributes (telemetry.sdk.*) are not tags: an SDK upgrade must not fork the series.
        var tagKeys = await silo.InfluxRowsAsync("SHOW TAG KEYS FROM otlp_it_temperature");
        Assert.Equal(["host", "room", "service.name"], tagKeys.Select(r => r[0].GetString()));

        // The SDK's default temporality is cumulative: the running total is stored as sent.
        await WaitForRowsAsync("SELECT value FROM otlp_it_requests", 1);
        var total = (await silo.InfluxRowsAsync("SELECT value, host FROM otlp_it_requests"))[0];
        Assert.Equal(7, total[1].GetDouble());
        Assert.Equal("otlp-sdk-host", total[2].GetString());

        // SDK default bounds 0, 5, 10, 25, …: 0.003 and 0.2 fall in (0, 5], 7 in (5, 10]; buckets are cumulative.
        await WaitForRowsAsync("SELECT \"count\" FROM otlp_it_latency", 1);
        var histogram = (await silo.InfluxRowsAsync("SELECT \"count\", \"sum\", \"min\", \"max\", le_0, le_5, le_10, le_10000, le_inf FROM otlp_it_latency"))[0];
        Assert.Equal(3, histogram[1].GetInt64());
        Assert.Equal(7.203, histogram[2].GetDouble(), 12);
        Assert.Equal(0.003, histogram[3].GetDouble());
        Assert.Equal(7, histogram[4].GetDouble());
        Assert.Equal([0L, 2L, 3L, 3L, 3L], histogram[5..].Select(v => v.GetInt64()));

        await SiloFixture.WaitUntilAsync(async () =>
        {
            var hosts = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts");
            return hosts.EnumerateArray().Any(h => h.GetProperty("host").GetString() == "otlp-sdk-host");
        }, "OTLP host listed in /api/v1/hosts");
        var detail = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/otlp-sdk-host");
        var series = detail.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("series").GetString()!).ToList();
        Assert.Contains(series, s => s.StartsWith("otlp_it_temperature.value{", StringComparison.Ordinal));
        Assert.Contains(series, s => s.StartsWith("otlp_it_latency.le_inf{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_UnsupportedAndInvalidPoints_ReportsPartialSuccessAndStoresTheRest()
    {
        var client = new MetricsService.MetricsServiceClient(silo.Grpc);
        var good = new NumberDataPoint { AsDouble = 5, TimeUnixNano = BaseNs };
        var nan = new NumberDataPoint { AsDouble = double.NaN, TimeUnixNano = BaseNs };
        var unset = new NumberDataPoint { AsInt = 9 }; // time 0: server time
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = "otlp-partial" } } } },
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics =
                            {
                                new Metric { Name = "otlp.partial", Gauge = new Gauge { DataPoints = { good, nan, unset } } },
                                new Metric { Name = "otlp.exp", ExponentialHistogram = new ExponentialHistogram { DataPoints = { new ExponentialHistogramDataPoint { Count = 1 } } } },
                            },
                        },
                    },
                },
            },
        };

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var response = await client.ExportAsync(request);

        Assert.Equal(2, response.PartialSuccess.RejectedDataPoints);
        Assert.StartsWith("2 of 4 data points rejected: data point 1 of metric 'otlp.partial': value is NaN", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("data point 3 of metric 'otlp.exp': exponential histograms are not supported", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);

        await WaitForRowsAsync("SELECT value FROM otlp_partial", 2);
        var rows = await silo.InfluxRowsAsync("SELECT value FROM otlp_partial");
        Assert.Equal((long)BaseNs, rows[0][0].GetInt64());
        Assert.Equal(5, rows[0][1].GetDouble());
        Assert.InRange(rows[1][0].GetInt64(), before, before + 600_000_000_000L);
        Assert.Equal(9, rows[1][1].GetDouble());
    }

    [Fact]
    public async Task Export_GzipCompressedAllAccepted_HasNoPartialSuccess()
    {
        // The OpenTelemetry Collector's OTLP exporter compresses with gzip by default.
        var client = new MetricsService.MetricsServiceClient(silo.Grpc);
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics = { new ResourceMetrics { ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "otlp.ok", Sum = new Sum { DataPoints = { new NumberDataPoint { AsInt = 1, TimeUnixNano = BaseNs } } } } } } } } },
        };

        var response = await client.ExportAsync(request, new Metadata { { "grpc-internal-encoding-request", "gzip" } });

        Assert.Null(response.PartialSuccess);
        await WaitForRowsAsync("SELECT value FROM otlp_ok", 1);
    }

    [Fact]
    public void MapAiopsIngest_OtlpEndpoint_IsRestrictedToTheGrpcPortLikeTheAiopsService()
    {
        var endpoints = silo.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        foreach (var path in new[] { "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "/aiops.telemetry.v1.TelemetryIngest/Write" })
        {
            var endpoint = Assert.Single(endpoints, e => e.RoutePattern.RawText == path);
            var hosts = endpoint.Metadata.GetOrderedMetadata<IHostMetadata>().SelectMany(h => h.Hosts);
            Assert.Equal([$"*:{silo.GrpcPort}"], hosts);
        }
    }

    /// <summary>An SDK meter provider exporting only on <see cref="MeterProvider.ForceFlush"/> (the periodic interval is an hour).</summary>
    internal static MeterProvider MeterProvider(string meterName, string host, int grpcPort, string? headers) =>
        Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault()
                .AddService("otlp-it", autoGenerateServiceInstanceId: false)
                .AddAttributes([new KeyValuePair<string, object>("host.name", host)]))
            .AddMeter(meterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = new Uri($"http://127.0.0.1:{grpcPort}");
                exporter.Protocol = OtlpExportProtocol.Grpc;
                exporter.Headers = headers;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build();

    private Task WaitForRowsAsync(string query, int count) =>
        SiloFixture.WaitUntilAsync(async () => (await silo.InfluxRowsAsync(query)).Count >= count, $"{count} rows for {query}");
}

/// <summary>OTLP with token auth on: the same <c>authorization</c> metadata as the Aiops gRPC API.</summary>
public sealed class OtlpAuthTests(AuthSiloFixture silo) : IClassFixture<AuthSiloFixture>
{
    [Fact]
    public async Task Export_WithoutToken_IsUnauthenticated()
    {
        var client = new MetricsService.MetricsServiceClient(silo.Grpc);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ExportAsync(new ExportMetricsServiceRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Export_OpenTelemetrySdkWithTokenHeader_IsStored()
    {
        using var meter = new Meter("Aiops.IntegrationTests.OtlpAuth");
        using var provider = OtlpTests.MeterProvider(meter.Name, "otlp-auth-host", silo.GrpcPort, "authorization=Token " + AuthSiloFixture.WriteToken);
        meter.CreateCounter<double>("otlp.auth.bytes").Add(1.5);

        Assert.True(provider.ForceFlush(30_000), "the OTLP exporter reported a failed export");

        await SiloFixture.WaitUntilAsync(async () => (await silo.InfluxRowsAsync("SELECT value FROM otlp_auth_bytes")).Count == 1, "authorized OTLP point stored");
    }
}
