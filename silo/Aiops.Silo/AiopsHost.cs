using System.Net;
using Aiops.Api;
using Aiops.Grains;
using Aiops.Ingest;
using Aiops.Silo.Cluster;
using Aiops.ServiceDefaults;
using Aiops.ServiceDefaults.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Aiops.Silo;

/// <summary>Listener settings (section <c>Aiops</c>; environment <c>Aiops__HttpPort</c>, …).</summary>
public sealed class HostOptions
{
    /// <summary>Address every listener binds (default <c>127.0.0.1</c>; loopback unless auth is on).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTP port: REST, web UI, line-protocol writes, health, metrics (default 8080).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>gRPC port, HTTP/2 cleartext (default 4317).</summary>
    public int GrpcPort { get; set; } = 4317;

    /// <summary>Orleans silo-to-silo port (default 11111).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port (default 30000).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id (default <c>aiops</c>).</summary>
    public string ClusterId { get; set; } = "aiops";

    /// <summary>Orleans service id (default <c>aiops</c>).</summary>
    public string ServiceId { get; set; } = "aiops";
}

/// <summary>The composition root: one process hosts Orleans, Kestrel (REST, UI, line protocol) and gRPC.</summary>
public static class AiopsHost
{
    /// <summary>Builds the silo. <paramref name="configure"/> lets tests override settings before services are built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Aiops").Get<HostOptions>() ?? new HostOptions();
        var cluster = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        cluster.Validate();
        var address = IPAddress.Parse(options.ListenAddress);
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (!auth.Enabled && !IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException(
                $"Aiops:ListenAddress is {address}, which is not loopback, while Aiops:Auth:Enabled is false: turn auth on (with tokens) or listen on loopback.");
        }

        foreach (var token in auth.Tokens)
        {
            TokenAuthenticator.ParseScopes(token.Scopes);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.HttpPort, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.Listen(address, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = null; // enforced per endpoint with a clear 413 (Aiops:Ingest:MaxBodyBytes)
        });

        builder.AddServiceDefaults();
        builder.AddAiopsIngest();
        builder.Services.Configure<EntityGrainOptions>(builder.Configuration.GetSection(EntityGrainOptions.Section));
        builder.Services.Configure<AnalyticsOptions>(builder.Configuration.GetSection(AnalyticsOptions.Section));
        builder.Services.Configure<Grains.Incidents.IncidentOptions>(builder.Configuration.GetSection(Grains.Incidents.IncidentOptions.Section));
        builder.Services.Configure<Grains.Incidents.TicketOptions>(builder.Configuration.GetSection(Grains.Incidents.TicketOptions.Section));
        builder.Services.AddHttpClient(nameof(Grains.Incidents.TicketGrain));
        builder.Services.AddAiopsApi();
        SiloHealthCheck.Register(builder.Services);
        builder.UseOrleans(silo =>
        {
            if (cluster.IsPostgres)
            {
                silo.UseAiopsPostgresCluster(options, cluster);
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                silo.AddSqliteGrainStorageAsDefault(o => o.DataDirectory = builder.Configuration["Aiops:DataDirectory"] ?? o.DataDirectory);
            }

            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddMemoryStreams(Abstractions.Models.AnomalyStreams.Provider);
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDefaultEndpoints();
        app.MapAiopsApi();
        app.MapAiopsIngest().RequireHost($"*:{options.GrpcPort}");
        return app;
    }
}
