using Aiops.Abstractions;
using Aiops.Ingest.Grpc;
using Aiops.Ingest.Http;
using Aiops.Ingest.Routing;
using Aiops.Ingest.Storage;
using Aiops.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aiops.Ingest;

/// <summary>Registers and maps the ingest side: parsers, protocols, grain routing and the InfluxDB writer.</summary>
public static class IngestExtensions
{
    public static IHostApplicationBuilder AddAiopsIngest(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<IngestOptions>(builder.Configuration.GetSection(IngestOptions.Section));
        services.Configure<InfluxOptions>(builder.Configuration.GetSection(InfluxOptions.Section));
        services.Configure<DispatchOptions>(builder.Configuration.GetSection(DispatchOptions.Section));
        services.AddHttpClient(nameof(InfluxBatchWriter));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<InfluxBatchWriter>();
        services.AddSingleton<ITelemetrySink>(sp => sp.GetRequiredService<InfluxBatchWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<InfluxBatchWriter>());
        services.AddSingleton<GrainDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<GrainDispatcher>());
        services.AddSingleton<SeriesKeyCache>();
        services.AddSingleton<SeriesCardinalityGuard>();
        services.AddSingleton<LineProtocolIngestor>();
        services.AddSingleton<IDerivedPointSink, Derived.DerivedPointSink>();
        services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
        services.AddHealthChecks().AddCheck<InfluxHealthCheck>("influxdb", tags: [Extensions.ReadyTag]);
        return builder;
    }

    /// <summary>Maps the HTTP write API on every endpoint and the gRPC services (restricted to the gRPC port by the host).</summary>
    public static IEndpointConventionBuilder MapAiopsIngest(this IEndpointRouteBuilder app)
    {
        app.MapLineProtocolApi();
        return new Otlp.CompositeEndpointConventionBuilder(app.MapGrpcService<TelemetryIngestService>(), app.MapGrpcService<Otlp.OtlpMetricsService>());
    }
}
