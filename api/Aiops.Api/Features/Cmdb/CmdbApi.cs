using System.Text.Json;
using Aiops.Abstractions.Models;
using Aiops.ServiceDefaults.Security;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiops.Api.Features.Cmdb;

/// <summary>
/// The CMDB under <c>/api/v1</c>: <c>cis</c>, <c>cis/{id}</c>, <c>cis/{id}/impact</c>, <c>relations</c>,
/// <c>cmdb/import</c>, <c>cmdb/export</c>, <c>cmdb/changes</c>. Writes need the write scope when auth is on (reads
/// need read, as all of <c>/api/v1</c>); each write is versioned under the caller's name (<see cref="ApiUser"/>).
/// </summary>
public static class CmdbApi
{
    /// <summary>Largest page of <c>cmdb/changes</c> (default page 1,000).</summary>
    public const int MaxChanges = 10_000;

    public static RouteGroupBuilder MapCmdbApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("CMDB");
        group.MapGet("/cis", ListCis).WithName("ListCis");
        group.MapPost("/cis", CreateCi).WithName("CreateCi").AddEndpointFilter(WriteScope);
        group.MapGet("/cis/{id}", GetCi).WithName("GetCi");
        group.MapPut("/cis/{id}", PutCi).WithName("PutCi").AddEndpointFilter(WriteScope);
        group.MapDelete("/cis/{id}", DeleteCi).WithName("DeleteCi").AddEndpointFilter(WriteScope);
        group.MapGet("/cis/{id}/impact", GetImpact).WithName("GetCiImpact");
        group.MapGet("/relations", ListRelations).WithName("ListRelations");
        group.MapPost("/relations", AddRelation).WithName("AddRelation").AddEndpointFilter(WriteScope);
        group.MapDelete("/relations", RemoveRelation).WithName("RemoveRelation").AddEndpointFilter(WriteScope);
        group.MapPost("/cmdb/import", Import).WithName("ImportCmdb").AddEndpointFilter(WriteScope);
        group.MapGet("/cmdb/export", Export).WithName("ExportCmdb");
        group.MapGet("/cmdb/changes", ListChanges).WithName("ListCmdbChanges");
        return group;
    }

    /// <param name="type">Only CIs of this type (case-insensitive).</param>
    public static async Task<Ok<IReadOnlyList<CiDto>>> ListCis(ISender sender, CancellationToken ct, string? type = null) =>
        TypedResults.Ok(await sender.Send(new ListCisQuery(string.IsNullOrEmpty(type) ? null : type), ct));

    public static async Task<Results<Ok<CiDto>, ProblemHttpResult>> GetCi(string id, ISender sender, CancellationToken ct) =>
        await sender.Send(new GetCiQuery(id), ct) is { } ci ? TypedResults.Ok(ci) : UnknownCi(id);

    /// <summary>Creates a CI, or replaces it when the id exists (201 when created, 200 when replaced).</summary>
    public static async Task<Results<Created<CiDto>, Ok<CiDto>, ProblemHttpResult>> CreateCi(HttpContext http, ISender sender, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<CiInput>(http.Request, ct);
        if (problem is not null) return problem;
        return await UpsertAsync(input!, input!.Id, http, sender, ct);
    }

    /// <summary>Creates or replaces the CI <paramref name="id"/> (whole record; the body's id, if any, must match).</summary>
    public static async Task<Results<Created<CiDto>, Ok<CiDto>, ProblemHttpResult>> PutCi(string id, HttpContext http, ISender sender, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<CiInput>(http.Request, ct);
        if (problem is not null) return problem;
        if (!string.IsNullOrEmpty(input!.Id) && input.Id != id)
        {
            return BadRequest("Invalid CI", $"id: the body names CI '{input.Id}' but the route names '{id}'.");
        }

        return await UpsertAsync(input, id, http, sender, ct);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteCi(string id, HttpContext http, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new DeleteCiCommand(id, ApiUser.Of(http)), ct);
        return result.Outcome == CmdbOutcome.Deleted ? TypedResults.NoContent() : UnknownCi(id);
    }

    public static async Task<Results<Ok<ImpactDto>, ProblemHttpResult>> GetImpact(string id, ISender sender, CancellationToken ct) =>
        await sender.Send(new GetImpactQuery(id), ct) is { } impact ? TypedResults.Ok(impact) : UnknownCi(id);

    /// <param name="ci">Only relations from or to this CI.</param>
    public static async Task<Ok<IReadOnlyList<RelationDto>>> ListRelations(ISender sender, CancellationToken ct, string? ci = null) =>
        TypedResults.Ok(await sender.Send(new ListRelationsQuery(string.IsNullOrEmpty(ci) ? null : ci), ct));

    /// <summary>Adds a relation (201; 200 when it already exists); 404 names the end that does not exist.</summary>
    public static async Task<Results<Created<RelationDto>, Ok<RelationDto>, ProblemHttpResult>> AddRelation(HttpContext http, ISender sender, CancellationToken ct)
    {
        var (input, problem) = await ReadJsonAsync<RelationDto>(http.Request, ct);
        if (problem is not null) return problem;
        var link = new CmdbLink(input!.From ?? "", input.To ?? "", input.Type ?? "");
        var result = await sender.Send(new AddRelationCommand(link, ApiUser.Of(http)), ct);
        var dto = new RelationDto(link.From, link.To, link.Type);
        return result.Outcome switch
        {
            CmdbOutcome.Created => TypedResults.Created($"/api/v1/relations?from={Uri.EscapeDataString(link.From)}&to={Uri.EscapeDataString(link.To)}&type={Uri.EscapeDataString(link.Type)}", dto),
            CmdbOutcome.Unchanged => TypedResults.Ok(dto),
            CmdbOutcome.NotFound => TypedResults.Problem(title: "Unknown CI", detail: result.Error, statusCode: StatusCodes.Status404NotFound),
            _ => BadRequest("Invalid relation", result.Error),
        };
    }

    /// <summary>Removes the relation named by the query <c>from</c>, <c>to</c>, <c>type</c>.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveRelation(HttpContext http, ISender sender, CancellationToken ct, string? from = null, string? to = null, string? type = null)
    {
        var missing = new[] { ("from", from), ("to", to), ("type", type) }.Where(p => string.IsNullOrEmpty(p.Item2)).Select(p => p.Item1).ToList();
        if (missing.Count > 0)
        {
            return BadRequest("Invalid relation", $"query parameter(s) {string.Join(", ", missing)} missing: DELETE /api/v1/relations?from=&to=&type=.");
        }

        var result = await sender.Send(new RemoveRelationCommand(new CmdbLink(from!, to!, type!), ApiUser.Of(http)), ct);
        return result.Outcome switch
        {
            CmdbOutcome.Deleted => TypedResults.NoContent(),
            CmdbOutcome.NotFound => TypedResults.Problem(title: "Unknown relation", detail: result.Error, statusCode: StatusCodes.Status404NotFound),
            _ => BadRequest("Invalid relation", result.Error),
        };
    }

    /// <summary>
    /// Imports a §9.3 JSON body, or a two-section CSV body with <c>Content-Type: text/csv</c>. The good records are
    /// always imported; when some were skipped the answer is a 400 problem whose <c>errors</c> name line and column
    /// and whose <c>result</c> holds the counts.
    /// </summary>
    /// <param name="mode"><c>merge</c> (default) or <c>replace</c>.</param>
    public static async Task<Results<Ok<ImportResultDto>, ProblemHttpResult>> Import(HttpContext http, ISender sender, CancellationToken ct, string mode = "merge")
    {
        if (!TryMode(mode, out var importMode))
        {
            return BadRequest("Invalid mode", $"mode must be merge or replace, not '{mode}'.");
        }

        var contentType = http.Request.ContentType ?? "application/json";
        CmdbFormat format;
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase)) format = CmdbFormat.Csv;
        else if (contentType.Contains("json", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)) format = CmdbFormat.Json;
        else return TypedResults.Problem(title: "Unsupported media type", detail: $"Content-Type '{contentType}': send application/json (DESIGN §9.3) or text/csv.", statusCode: StatusCodes.Status415UnsupportedMediaType);

        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text))
        {
            return BadRequest("Empty import", "The body is empty: send a CMDB document.");
        }

        var result = await sender.Send(new ImportCmdbCommand(text, format, importMode, ApiUser.Of(http)), ct);
        if (result.Errors.Count == 0)
        {
            return TypedResults.Ok(result);
        }

        var first = result.Errors[0];
        return TypedResults.Problem(
            title: "Import had errors",
            detail: $"{result.Errors.Count} record(s) skipped; first at line {first.Line}, column {first.Column}: {first.Message}. The good records were imported (version {result.Version}).",
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["errors"] = result.Errors, ["result"] = result });
    }

    /// <param name="format"><c>json</c> (default, §9.3) or <c>csv</c> (two sections).</param>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Export(ISender sender, CancellationToken ct, string format = "json")
    {
        var f = format.ToLowerInvariant() switch
        {
            "json" => CmdbFormat.Json,
            "csv" => CmdbFormat.Csv,
            _ => (CmdbFormat?)null,
        };
        if (f is null)
        {
            return BadRequest("Invalid format", $"format must be json or csv, not '{format}'.");
        }

        var text = await sender.Send(new ExportCmdbQuery(f.Value), ct);
        return TypedResults.Text(text, f == CmdbFormat.Json ? "application/json" : "text/csv", System.Text.Encoding.UTF8);
    }

    /// <param name="since">Only changes after this version (default 0: from the start of the log).</param>
    /// <param name="limit">At most this many, oldest first (1..10,000; default 1,000).</param>
    public static async Task<Results<Ok<IReadOnlyList<CmdbChange>>, ProblemHttpResult>> ListChanges(ISender sender, CancellationToken ct, long since = 0, int limit = 1_000)
    {
        if (since < 0)
        {
            return BadRequest("Invalid since", $"since must be a version ≥ 0, not {since}.");
        }

        if (limit is < 1 or > MaxChanges)
        {
            return BadRequest("Invalid limit", $"limit must be within 1..{MaxChanges}, not {limit}.");
        }

        return TypedResults.Ok(await sender.Send(new ListChangesQuery(since, limit), ct));
    }

    private static async Task<Results<Created<CiDto>, Ok<CiDto>, ProblemHttpResult>> UpsertAsync(CiInput input, string? id, HttpContext http, ISender sender, CancellationToken ct)
    {
        var ci = new CmdbCi(id ?? "", input.Type ?? "", input.Name ?? "", input.Attributes ?? [], input.OwnerGroup, input.Criticality);
        var result = await sender.Send(new UpsertCiCommand(ci, ApiUser.Of(http)), ct);
        if (result.Outcome == CmdbOutcome.Invalid)
        {
            return BadRequest("Invalid CI", result.Error);
        }

        var stored = await sender.Send(new GetCiQuery(ci.Id), ct);
        if (stored is null)
        {
            // Deleted by another caller between the two calls: report what this call stored.
            stored = ci.ToDto();
        }

        return result.Outcome == CmdbOutcome.Created
            ? TypedResults.Created($"/api/v1/cis/{Uri.EscapeDataString(ci.Id)}", stored)
            : TypedResults.Ok(stored);
    }

    /// <summary>Reads a JSON body; a syntax or type error becomes a 400 naming line, column and JSON path.</summary>
    private static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonSerializerOptions.Web, ct);
            return value is null ? (null, BadRequest("Invalid body", "The body is empty or null: send a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}" : "the body";
            var path = string.IsNullOrEmpty(ex.Path) ? "" : $" (field {ex.Path})";
            return (null, BadRequest("Invalid body", $"JSON error at {where}{path}: {ex.Message}"));
        }
    }

    private static bool TryMode(string mode, out CmdbImportMode result)
    {
        switch (mode.ToLowerInvariant())
        {
            case "merge": result = CmdbImportMode.Merge; return true;
            case "replace": result = CmdbImportMode.Replace; return true;
            default: result = default; return false;
        }
    }

    private static readonly Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> WriteScope =
        ScopeFilters.Require(TokenScopes.Write, StatusCodes.Status403Forbidden, "Changing the CMDB needs a token with the write scope.");

    private static ProblemHttpResult UnknownCi(string id) =>
        TypedResults.Problem(title: "Unknown CI", detail: $"CI '{id}' does not exist.", statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult BadRequest(string title, string? detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

}
