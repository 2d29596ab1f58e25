using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serilog;
using Serilog.Formatting.Compact;

namespace Aiops.ServiceDefaults;

/// <summary>What every Aiops host shares: Serilog, health checks, metrics.</summary>
public static class Extensions
{
    /// <summary>Tag of the health checks that gate <c>/readyz</c>; <c>/healthz</c> runs none (liveness only).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Serilog to the console (plain text, or compact JSON when <c>Aiops:Logging:Json</c> is true), levels from the
    /// <c>Serilog</c> configuration section; health checks; the <see cref="AiopsMetrics"/> registry.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        var json = builder.Configuration.GetValue("Aiops:Logging:Json", false);
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                  .Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
        });
        builder.Services.AddSingleton<AiopsMetrics>();
        builder.Services.Configure<Security.AuthOptions>(builder.Configuration.GetSection(Security.AuthOptions.Section));
        builder.Services.AddSingleton<Security.TokenAuthenticator>();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Maps <c>/healthz</c> (process alive), <c>/readyz</c> (checks tagged <see cref="ReadyTag"/>) and <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapGet("/metrics", (AiopsMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"))
           .ExcludeFromDescription();
        return app;
    }
}
