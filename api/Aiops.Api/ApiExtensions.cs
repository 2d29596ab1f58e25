using Aiops.Api.ApiReference;
using Aiops.Api.Features.Anomalies;
using Aiops.Api.Features.Cmdb;
using Aiops.Api.Features.Changes;
using Aiops.Api.Features.Hosts;
using Aiops.Api.Features.Incidents;
using Aiops.Api.Features.Predictions;
using Aiops.Api.Features.Reports;
using Aiops.Api.Features.Series;
using Aiops.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
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
        app.MapAiopsUi();
        var v1 = app.MapGroup("/api/v1").AddEndpointFilter(ScopeFilters.Require(TokenScopes.Read, StatusCodes.Status401Unauthorized, "A token with the read scope is required (Authorization: Token <t>)."));
        v1.MapHostsApi();
        v1.MapAnomaliesApi();
        v1.MapPredictionsApi();
        v1.MapCmdbApi();
        v1.MapIncidentsApi();
        v1.MapChangesApi();
        v1.MapReportsApi();
        v1.MapSeriesApi();
        app.MapApiReference();
        return app;
    }

}
