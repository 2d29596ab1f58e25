using System.IO.Compression;
using System.Text.Json.Serialization;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;
using Aiops.ServiceDefaults;
using Aiops.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Ingest.Http;

/// <summary>InfluxDB-compatible HTTP write API (DESIGN §4.1): <c>/write</c> (v1), <c>/api/v2/write</c> (v2), <c>/ping</c>.</summary>
public static class LineProtocolEndpoints
{
    /// <summary>Version announced on <c>/ping</c>, which some InfluxDB clients check.</summary>
    public const string CompatibleVersion = "1.8.10-aiops";

    public static IEndpointRouteBuilder MapLineProtocolApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/write", WriteV1).DisableAntiforgery().ExcludeFromDescription();
        app.MapPost("/api/v2/write", WriteV2).DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods("/ping", ["GET", "HEAD"], Ping).ExcludeFromDescription();
        app.MapPost("/query", QueryV1).ExcludeFromDescription();
        return app;
    }

    private static IResult Ping(HttpContext context)
    {
        context.Response.Headers["X-Influxdb-Version"] = CompatibleVersion;
        return Results.NoContent();
    }

    /// <summary>
    /// Clients such as Telegraf create their database through <c>/query</c>; Aiops stores every raw point in its own
    /// database, so <c>CREATE DATABASE</c> succeeds without effect and anything else is pointed at InfluxDB itself.
    /// </summary>
    private static async Task<IResult> QueryV1(HttpRequest request, TokenAuthenticator auth)
    {
        string? q = request.Query["q"];
        if (q is null && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync().ConfigureAwait(false);
            q = form["q"];
        }

        if (auth.Check(request.Headers.Authorization, request.Query["p"], TokenScopes.Write) != AuthResult.Allowed)
        {
            return Error(StatusCodes.Status401Unauthorized, "unauthorized", "authorization failed: a token with the write scope is required");
        }

        return q is not null && q.TrimStart().StartsWith("CREATE DATABASE", StringComparison.OrdinalIgnoreCase)
            ? Results.Json(new { results = new[] { new { statement_id = 0 } } })
            : Error(StatusCodes.Status400BadRequest, "invalid", "Aiops accepts only CREATE DATABASE on /query; query InfluxDB directly");
    }

    private static Task<IResult> WriteV1(HttpContext context, LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics) =>
        WriteAsync(context, ingestor, auth, metrics, context.Request.Query["precision"]);

    private static Task<IResult> WriteV2(HttpContext context, LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics) =>
        WriteAsync(context, ingestor, auth, metrics, context.Request.Query["precision"]);

    private static async Task<IResult> WriteAsync(HttpContext context, LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics, string? precisionText)
    {
        var request = context.Request;
        if (auth.Check(request.Headers.Authorization, request.Query["p"], TokenScopes.Write) != AuthResult.Allowed)
        {
            return Error(StatusCodes.Status401Unauthorized, "unauthorized", "authorization failed: a token with the write scope is required");
        }

        if (!PrecisionNames.TryParse(precisionText, out var precision))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid", $"invalid precision '{precisionText}': use ns, us, ms or s");
        }

        var limits = ingestor.Options;
        if (request.ContentLength > limits.MaxBodyBytes)
        {
            return TooLarge(limits.MaxBodyBytes);
        }

        if (!ingestor.HasCapacity)
        {
            metrics.RequestsOverloaded.Increment();
            context.Response.Headers.RetryAfter = "1";
            return Error(StatusCodes.Status503ServiceUnavailable, "unavailable", "write queue full: retry later");
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        Stream body = request.Body;
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
        }
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status415UnsupportedMediaType, "invalid", $"unsupported Content-Encoding '{encoding}': use gzip or none");
        }

        using var buffer = new PooledBuffer((int)Math.Clamp(request.ContentLength ?? 64 * 1024, 4096, 8 * 1024 * 1024));
        try
        {
            if (!await ReadAllAsync(body, buffer, limits.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false))
            {
                return TooLarge(limits.MaxBodyBytes);
            }
        }
        catch (InvalidDataException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid", $"body is not valid gzip: {ex.Message}");
        }
        finally
        {
            if (!ReferenceEquals(body, request.Body))
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }
        }

        var failures = new List<IngestFailure>();
        var result = ingestor.Ingest(buffer.WrittenSpan, precision, failures);
        if (result.Rejected == 0)
        {
            return Results.NoContent();
        }

        var first = failures[0];
        return Results.Json(
            new PartialWriteError(
                "invalid",
                $"partial write: {result.Rejected} of {result.Accepted + result.Rejected} lines rejected, {result.Accepted} written; first: line {first.Line} column {first.Column}: {first.Message}",
                first.Line,
                failures.Select(f => new LineErrorDto(f.Line, f.Column, f.Message)).ToList()),
            statusCode: StatusCodes.Status400BadRequest);
    }

    private static async Task<bool> ReadAllAsync(Stream body, PooledBuffer buffer, long max, CancellationToken ct)
    {
        while (true)
        {
            var memory = buffer.GetMemory(64 * 1024);
            var read = await body.ReadAsync(memory, ct).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            buffer.Advance(read);
            if (buffer.Length > max)
            {
                return false;
            }
        }
    }

    private static IResult TooLarge(long max) =>
        Error(StatusCodes.Status413RequestEntityTooLarge, "request too large", $"body exceeds the limit of {max} bytes (Aiops:Ingest:MaxBodyBytes)");

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new SimpleError(code, message), statusCode: status);

    /// <summary>InfluxDB's error body, as clients parse it.</summary>
    public sealed record SimpleError(string Code, string Message);

    /// <summary>InfluxDB's error body plus the line of the first error and every bad line (first 100).</summary>
    public sealed record PartialWriteError(string Code, string Message, int Line, IReadOnlyList<LineErrorDto> Errors);

    /// <summary>One bad line.</summary>
    public sealed record LineErrorDto(int Line, int Column, string Message);
}
