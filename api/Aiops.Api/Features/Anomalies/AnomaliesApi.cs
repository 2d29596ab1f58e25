using Aiops.Abstractions;
using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.Features.Anomalies;

/// <summary><c>/api/v1/anomalies?from=&amp;to=&amp;ci=&amp;limit=</c>: recent anomaly episodes.</summary>
public static class AnomaliesApi
{
    /// <summary>Most events one call returns (default limit 1,000).</summary>
    public const int MaxLimit = 10_000;

    public static RouteGroupBuilder MapAnomaliesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/anomalies").WithTags("Anomalies");
        group.MapGet("/", ListAnomalies).WithName("ListAnomalies");
        return group;
    }

    /// <param name="from">Onset at or after (ISO-8601); default: no bound.</param>
    /// <param name="to">Onset at or before (ISO-8601); default: no bound.</param>
    /// <param name="ci">Only this host or CI.</param>
    /// <param name="limit">At most this many, newest first (1..10,000; default 1,000).</param>
    public static async Task<Results<Ok<IReadOnlyList<AnomalyDto>>, ProblemHttpResult>> ListAnomalies(
        ISender sender, CancellationToken ct, string? from = null, string? to = null, string? ci = null, int limit = 1_000)
    {
        if (!TryParseTime(from, long.MinValue, out var fromNs) || !TryParseTime(to, long.MaxValue, out var toNs))
        {
            return TypedResults.Problem(title: "Invalid time", detail: $"from/to must be ISO-8601 times such as 2026-03-01T00:05:00Z (got from='{from}', to='{to}').", statusCode: StatusCodes.Status400BadRequest);
        }

        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.Problem(title: "Invalid limit", detail: $"limit must be within 1..{MaxLimit}, not {limit}.", statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await sender.Send(new ListAnomaliesQuery(fromNs, toNs, string.IsNullOrEmpty(ci) ? null : ci, limit), ct));
    }

    internal static bool TryParseTime(string? text, long fallback, out long ns)
    {
        ns = fallback;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        ns = UnixNanos.Of(time);
        return true;
    }
}
