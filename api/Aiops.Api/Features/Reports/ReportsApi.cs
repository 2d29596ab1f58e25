using System.ComponentModel;
using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Aiops.Api.Features.Reports;

/// <summary><c>/api/v1/reports/predicted-incidents?from=&amp;to=&amp;format=html|csv|json|md</c>.</summary>
public static class ReportsApi
{
    /// <summary>Format used when <c>format</c> is not given.</summary>
    public const string DefaultFormat = "json";

    private static readonly string[] Formats = ["html", "csv", "json", "md"];

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reports").WithTags("Reports");
        group.MapGet("/predicted-incidents", GetPredictedIncidents)
            .WithName("GetPredictedIncidentsReport")
            .WithSummary("Predicted incidents: what was predicted, what happened, lead time, ETA error, incident and ticket; summaries per CI type and metric.")
            .Produces<PredictedIncidentReport>(StatusCodes.Status200OK, "application/json")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // Produces() keeps one entry per status code, so the text formats are added to the JSON 200 here.
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
                {
                    foreach (var type in new[] { "text/html", "text/csv", "text/markdown" })
                    {
                        content[type] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                    }
                }

                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    /// <param name="from">Start (inclusive) of the window on the first alert time, ISO-8601; default: 7 days before <paramref name="to"/>.</param>
    /// <param name="to">End (exclusive), ISO-8601; default: just after the ledger's latest event time (now when the ledger is empty).</param>
    /// <param name="format"><c>json</c> (default), <c>html</c> (printable page), <c>csv</c> (RFC 4180, download) or <c>md</c>.</param>
    public static async Task<Results<Ok<PredictedIncidentReport>, ContentHttpResult, FileContentHttpResult, ProblemHttpResult>> GetPredictedIncidents(
        ISender sender,
        CancellationToken ct,
        [Description("Start (inclusive) of the window on the first alert time, ISO-8601 UTC; default: 7 days before 'to'.")] string? from = null,
        [Description("End (exclusive), ISO-8601 UTC; default: just after the ledger's latest event time (now when the ledger is empty).")] string? to = null,
        [Description("json (default), html (printable page), csv (RFC 4180 download) or md (Markdown).")] string? format = null)
    {
        // Every bad parameter is named in one answer, so a caller fixes them all at once.
        var errors = new List<string>();
        format = string.IsNullOrEmpty(format) ? DefaultFormat : format.ToLowerInvariant();
        if (!Formats.Contains(format))
        {
            errors.Add($"format must be html, csv, json or md, not '{format}'.");
        }

        var fromTime = ParseTime("from", from, errors);
        var toTime = ParseTime("to", to, errors);
        if (fromTime is { } f && toTime is { } t && f >= t)
        {
            errors.Add($"from ({f:O}) must be before to ({t:O}).");
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(title: "Invalid report parameters", detail: string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest);
        }

        var report = await sender.Send(new GetPredictedIncidentReportQuery(fromTime, toTime), ct);
        switch (format)
        {
            case "html":
                return TypedResults.Content(ReportFormats.Html(report), "text/html; charset=utf-8", Encoding.UTF8);
            case "md":
                return TypedResults.Content(ReportFormats.Markdown(report), "text/markdown; charset=utf-8", Encoding.UTF8);
            case "csv":
                // A UTF-8 byte order mark makes Excel read the file as UTF-8 instead of the local code page.
                var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ReportFormats.Csv(report))).ToArray();
                return TypedResults.File(bytes, "text/csv; charset=utf-8", $"predicted-incidents-{FileStamp(report.From)}-{FileStamp(report.To)}.csv");
            default:
                return TypedResults.Ok(report);
        }
    }

    private static DateTimeOffset? ParseTime(string name, string? value, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        // A time without an offset is read as UTC: the ledger's clock is UTC.
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var t))
        {
            return t.ToUniversalTime();
        }

        errors.Add($"{name} must be an ISO-8601 time such as 2026-09-01T00:00:00Z, not '{value}'.");
        return null;
    }

    // Colons are not allowed in Windows file names.
    private static string FileStamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}
