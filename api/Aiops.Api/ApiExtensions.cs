using Aiops.Api.Features.Hosts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiops.Api;

/// <summary>Registers and maps the REST API (<c>/api/v1</c>) and its OpenAPI document.</summary>
public static class ApiExtensions
{
    public static IServiceCollection AddAiopsApi(this IServiceCollection services)
    {
        services.AddMediator(options => options.ServiceLifetime = ServiceLifetime.Singleton);
        services.AddProblemDetails();
        services.AddOpenApi("v1");
        return services;
    }

    public static IEndpointRouteBuilder MapAiopsApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHostsApi();
        return app;
    }
}
