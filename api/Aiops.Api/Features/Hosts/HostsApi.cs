using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.Features.Hosts;

/// <summary><c>/api/v1/hosts</c>: hosts and their live series (mapped under the <c>/api/v1</c> group).</summary>
public static class HostsApi
{
    public static RouteGroupBuilder MapHostsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hosts").WithTags("Hosts");
        group.MapGet("/", ListHosts).WithName("ListHosts");
        group.MapGet("/{host}", GetHost).WithName("GetHost");
        return group;
    }

    public static async Task<Ok<IReadOnlyList<HostSummaryDto>>> ListHosts(ISender sender, CancellationToken ct) =>
        TypedResults.Ok(await sender.Send(new ListHostsQuery(), ct));

    public static async Task<Results<Ok<HostDetailDto>, ProblemHttpResult>> GetHost(string host, ISender sender, CancellationToken ct)
    {
        var detail = await sender.Send(new GetHostQuery(host), ct);
        return detail is null
            ? TypedResults.Problem(title: "Unknown host", detail: $"No telemetry has been received for host '{host}'.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(detail);
    }
}
