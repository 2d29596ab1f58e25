using Aiops.Abstractions.Models;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.Features.Changes;

/// <summary><c>/api/v1/changes</c>: maintenance and change windows on CIs.</summary>
public static class ChangesApi
{
    public static RouteGroupBuilder MapChangesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/changes").WithTags("Changes");
        group.MapGet("/", ListChanges).WithName("ListChanges");
        group.MapPost("/", AddChange).WithName("AddChange");
        group.MapDelete("/{id}", RemoveChange).WithName("RemoveChange");
        return group;
    }

    /// <summary>A window to register.</summary>
    /// <param name="Ci">The CI (must exist in the CMDB).</param>
    /// <param name="Kind"><c>maintenance</c> (events inside do not page) or <c>change</c> (shown as a likely cause of incidents rooted at the CI).</param>
    /// <param name="Start">Start, ISO-8601.</param>
    /// <param name="End">End, ISO-8601, after <paramref name="Start"/>.</param>
    /// <param name="Description">What is done.</param>
    /// <param name="IncludeDependents">Whether CIs that depend on the CI are covered too (default true).</param>
    public sealed record ChangeRequest(string Ci, string Kind, DateTimeOffset Start, DateTimeOffset End, string? Description, bool? IncludeDependents);

    public static async Task<Ok<IReadOnlyList<ChangeWindow>>> ListChanges(ISender sender, CancellationToken ct) =>
        TypedResults.Ok(await sender.Send(new ListChangesQuery(), ct));

    public static async Task<Results<Created<ChangeWindow>, ProblemHttpResult>> AddChange(ChangeRequest body, HttpRequest request, ISender sender, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Ci) || body.Kind is not ("maintenance" or "change") || body.End <= body.Start)
        {
            return TypedResults.Problem(
                title: "Invalid change window",
                detail: $"ci must be set, kind must be maintenance or change, and end must be after start (got ci='{body.Ci}', kind='{body.Kind}', start={body.Start:O}, end={body.End:O}).",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var by = ApiUser.Of(request.HttpContext);
        var stored = await sender.Send(new AddChangeCommand(new ChangeWindow(string.Empty, body.Ci, body.Kind, body.Start, body.End, body.Description ?? string.Empty, by, body.IncludeDependents ?? true)), ct);
        return stored is null
            ? TypedResults.Problem(title: "Unknown CI", detail: $"CI '{body.Ci}' is not in the CMDB.", statusCode: StatusCodes.Status400BadRequest)
            : TypedResults.Created($"/api/v1/changes/{stored.Id}", stored);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveChange(string id, ISender sender, CancellationToken ct) =>
        await sender.Send(new RemoveChangeCommand(id), ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: "Unknown change", detail: $"No change window '{id}'.", statusCode: StatusCodes.Status404NotFound);
}
