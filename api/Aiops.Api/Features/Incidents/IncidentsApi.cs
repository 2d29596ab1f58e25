using Aiops.Abstractions.Models;
using Aiops.ServiceDefaults.Security;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiops.Api.Features.Incidents;

/// <summary><c>/api/v1/incidents</c> (list, detail, acknowledge, resolve, comment) and <c>/api/v1/tickets</c> (list, ITSM callback).</summary>
public static class IncidentsApi
{
    private static readonly string[] States = ["active", "open", "acknowledged", "resolved", "closed", "all"];

    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/incidents").WithTags("Incidents");
        group.MapGet("/", ListIncidents).WithName("ListIncidents");
        group.MapGet("/{id}", GetIncident).WithName("GetIncident");
        group.MapPost("/{id}/acknowledge", (string id, HttpRequest request, ISender sender, CancellationToken ct) => Act(id, "acknowledge", null, request, sender, ct)).WithName("AcknowledgeIncident");
        group.MapPost("/{id}/resolve", (string id, HttpRequest request, ISender sender, CancellationToken ct) => Act(id, "resolve", null, request, sender, ct)).WithName("ResolveIncident");
        group.MapPost("/{id}/comment", (string id, CommentBody body, HttpRequest request, ISender sender, CancellationToken ct) => Act(id, "comment", body.Text, request, sender, ct)).WithName("CommentIncident");
        var tickets = app.MapGroup("/tickets").WithTags("Tickets");
        tickets.MapGet("/", ListTickets).WithName("ListTickets");
        tickets.MapPost("/{incidentId}/callback", TicketCallback).WithName("TicketCallback").AddEndpointFilter(ScopeFilters.Require(TokenScopes.Write, StatusCodes.Status403Forbidden, "The ticket callback needs a token with the write scope."));
        return app;
    }

    /// <summary>What an ITSM posts when a ticket changes: <c>{"state": "resolved", "by": "jdoe"}</c>.</summary>
    public sealed record TicketCallbackBody(string? State, string? By);

    private static readonly string[] ResolvedStates = ["resolved", "closed"];

    /// <summary>
    /// ITSM callback: a ticket resolved (or closed) in the ITSM resolves its incident as <c>itsm:&lt;by&gt;</c>; the ticket
    /// grain does not send that resolution back. Other states are accepted and ignored (the ITSM does not drive them).
    /// Idempotent: a repeated callback on a resolved incident answers 200. Needs the write scope when auth is on.
    /// </summary>
    public static async Task<Results<Ok<IncidentDto>, ProblemHttpResult>> TicketCallback(string incidentId, TicketCallbackBody? body, ISender sender, CancellationToken ct)
    {
        if (body?.State is not { Length: > 0 } state)
        {
            return TypedResults.Problem(title: "Invalid callback", detail: "The body must be {\"state\": \"resolved\", \"by\": \"…\"} with a state.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (ResolvedStates.Contains(state, StringComparer.OrdinalIgnoreCase))
        {
            var by = "itsm:" + (string.IsNullOrWhiteSpace(body.By) ? "unknown" : body.By.Trim());
            await sender.Send(new IncidentActionCommand(incidentId, "resolve", by, null), ct);
        }

        var incident = await sender.Send(new GetIncidentQuery(incidentId), ct);
        return incident is null ? NotFound(incidentId) : TypedResults.Ok(incident);
    }


    /// <summary>A comment on an incident.</summary>
    public sealed record CommentBody(string Text);

    /// <param name="state"><c>active</c> (default: open or acknowledged), <c>open</c>, <c>acknowledged</c>, <c>resolved</c>, <c>closed</c> or <c>all</c>.</param>
    public static async Task<Results<Ok<IReadOnlyList<IncidentDto>>, ProblemHttpResult>> ListIncidents(ISender sender, CancellationToken ct, string state = "active", int limit = 500)
    {
        if (!States.Contains(state) || limit is < 1 or > 5_000)
        {
            return TypedResults.Problem(title: "Invalid query", detail: $"state must be one of {string.Join(", ", States)} and limit within 1..5000 (got state='{state}', limit={limit}).", statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await sender.Send(new ListIncidentsQuery(state, limit), ct));
    }

    public static async Task<Results<Ok<IncidentDto>, ProblemHttpResult>> GetIncident(string id, ISender sender, CancellationToken ct)
    {
        var incident = await sender.Send(new GetIncidentQuery(id), ct);
        return incident is null ? NotFound(id) : TypedResults.Ok(incident);
    }

    public static async Task<Ok<IReadOnlyList<TicketRecord>>> ListTickets(ISender sender, CancellationToken ct, int limit = 500) =>
        TypedResults.Ok(await sender.Send(new ListTicketsQuery(Math.Clamp(limit, 1, 10_000)), ct));

    private static async Task<Results<Ok<IncidentDto>, ProblemHttpResult>> Act(string id, string action, string? text, HttpRequest request, ISender sender, CancellationToken ct)
    {
        if (action == "comment" && string.IsNullOrWhiteSpace(text))
        {
            return TypedResults.Problem(title: "Empty comment", detail: "The body must be {\"text\": \"…\"} with some text.", statusCode: StatusCodes.Status400BadRequest);
        }

        var by = ApiUser.Of(request.HttpContext);
        if (!await sender.Send(new IncidentActionCommand(id, action, by, text), ct))
        {
            var exists = await sender.Send(new GetIncidentQuery(id), ct) is not null;
            return exists
                ? TypedResults.Problem(title: "Not applicable", detail: $"Cannot {action} incident '{id}' in its current state.", statusCode: StatusCodes.Status409Conflict)
                : NotFound(id);
        }

        return TypedResults.Ok((await sender.Send(new GetIncidentQuery(id), ct))!);
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(title: "Unknown incident", detail: $"No incident '{id}'.", statusCode: StatusCodes.Status404NotFound);
}
