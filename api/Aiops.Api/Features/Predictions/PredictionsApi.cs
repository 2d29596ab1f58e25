using Aiops.Abstractions.Models;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.Features.Predictions;

/// <summary><c>/api/v1/predictions?state=open</c> and <c>/api/v1/predictions/scorecard</c>.</summary>
public static class PredictionsApi
{
    public static RouteGroupBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/predictions").WithTags("Predictions");
        group.MapGet("/", ListPredictions).WithName("ListPredictions");
        group.MapGet("/scorecard", GetScorecard).WithName("GetPredictionScorecard");
        return group;
    }

    /// <param name="state"><c>open</c> (default), <c>closed</c> (withdrawn or graded) or <c>all</c>.</param>
    /// <param name="ci">Only this host or CI.</param>
    /// <param name="limit">At most this many, newest first (1..10,000; default 1,000).</param>
    public static async Task<Results<Ok<IReadOnlyList<PredictionDto>>, ProblemHttpResult>> ListPredictions(
        ISender sender, CancellationToken ct, string state = "open", string? ci = null, int limit = 1_000)
    {
        if (state is not ("open" or "closed" or "all"))
        {
            return TypedResults.Problem(title: "Invalid state", detail: $"state must be open, closed or all, not '{state}'.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (limit is < 1 or > 10_000)
        {
            return TypedResults.Problem(title: "Invalid limit", detail: $"limit must be within 1..10000, not {limit}.", statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await sender.Send(new ListPredictionsQuery(state, string.IsNullOrEmpty(ci) ? null : ci, limit), ct));
    }

    public static async Task<Ok<Scorecard>> GetScorecard(ISender sender, CancellationToken ct) =>
        TypedResults.Ok(await sender.Send(new GetScorecardQuery(), ct));
}
