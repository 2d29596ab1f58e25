using System.Text;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;
using Aiops.ServiceDefaults;
using Aiops.ServiceDefaults.Security;
using Grpc.Core;

namespace Aiops.Ingest.Grpc;

/// <summary>
/// <c>aiops.telemetry.v1.TelemetryIngest</c> (DESIGN §4.2): unary <c>Write</c> and bidirectional <c>Stream</c>.
/// </summary>
/// <remarks>
/// Structured points are validated one by one, serialised to line protocol and sent down the same path as HTTP
/// writes (<see cref="LineProtocolIngestor"/>), so every protocol stores and routes points identically. Rejection
/// indexes count the request's <c>points</c> first (0-based), then the lines of <c>line_protocol</c>
/// (index = points.Count + line number − 1). A response acknowledges its request's <c>sequence</c> once the accepted
/// points are queued for storage.
/// </remarks>
public sealed class TelemetryIngestService(LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics)
    : TelemetryIngest.TelemetryIngestBase
{
    public override Task<WriteResponse> Write(WriteRequest request, ServerCallContext context)
    {
        Authorize(context);
        return Task.FromResult(Handle(request));
    }

    public override async Task Stream(IAsyncStreamReader<WriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context)
    {
        Authorize(context);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(Handle(request), context.CancellationToken).ConfigureAwait(false);
        }
    }

    private void Authorize(ServerCallContext context)
    {
        if (auth.Check(context.RequestHeaders.GetValue("authorization"), null, TokenScopes.Write) != AuthResult.Allowed)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a token with the write scope is required (metadata 'authorization: Token <t>')"));
        }
    }

    private WriteResponse Handle(WriteRequest request)
    {
        if (!ingestor.HasCapacity)
        {
            metrics.RequestsOverloaded.Increment();
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "write queue full: retry later"));
        }

        var response = new WriteResponse { Sequence = request.Sequence };
        var failures = new List<IngestFailure>();
        uint accepted = 0;
        if (request.Points.Count > 0)
        {
            using var buffer = new PooledBuffer(request.Points.Count * 128);
            using var writer = new LineProtocolWriter(buffer);
            var lineToPoint = new int[request.Points.Count];
            var lines = 0;
            var invalid = 0;
            for (var i = 0; i < request.Points.Count; i++)
            {
                var reason = Serialize(request.Points[i], writer);
                if (reason is null)
                {
                    lineToPoint[lines++] = i;
                }
                else
                {
                    invalid++;
                    response.Rejected.Add(new Rejection { Index = (uint)i, Reason = reason });
                }
            }

            var result = ingestor.Ingest(buffer.WrittenSpan, Precision.Nanoseconds, failures, lineToPoint.AsSpan(0, lines));
            metrics.PointsReceived.Add(invalid);
            metrics.PointsRejected.Add(invalid);
            accepted += (uint)result.Accepted;
            foreach (var f in failures)
            {
                response.Rejected.Add(new Rejection { Index = (uint)f.Line, Reason = f.Message });
            }
        }

        if (request.LineProtocol.Length > 0)
        {
            failures.Clear();
            var text = Encoding.UTF8.GetBytes(request.LineProtocol);
            var result = ingestor.Ingest(text, Precision.Nanoseconds, failures);
            accepted += (uint)result.Accepted;
            foreach (var f in failures)
            {
                response.Rejected.Add(new Rejection
                {
                    Index = (uint)(request.Points.Count + f.Line - 1),
                    Reason = $"line {f.Line} column {f.Column}: {f.Message}",
                });
            }
        }

        response.Accepted = accepted;
        return response;
    }

    /// <summary>Writes one point as a line, or returns why it is invalid (nothing written then).</summary>
    private string? Serialize(Point point, LineProtocolWriter writer)
    {
        if (point.Measurement.Length == 0)
        {
            return "measurement is empty";
        }

        if (point.Tags.Count > ingestor.Options.MaxTagsPerPoint)
        {
            return $"{point.Tags.Count} tags, over the limit of {ingestor.Options.MaxTagsPerPoint}";
        }

        var fieldCount = point.Fields.Count + point.IntFields.Count + point.StringFields.Count + point.BoolFields.Count;
        if (fieldCount == 0)
        {
            return "point has no fields";
        }

        foreach (var (key, value) in point.Tags)
        {
            if (key.Length == 0)
            {
                return "a tag key is empty";
            }

            if (value.Length == 0)
            {
                return $"tag '{key}' has an empty value";
            }
        }

        foreach (var (key, value) in point.Fields)
        {
            if (key.Length == 0)
            {
                return "a field key is empty";
            }

            if (!double.IsFinite(value))
            {
                return $"field '{key}' is {value}: NaN and infinities cannot be stored";
            }
        }

        // Empty keys of the other field kinds, newlines and the like are refused by the writer itself (caught below).
        try
        {
            Write(point, writer);
            return null;
        }
        catch (ArgumentException ex)
        {
            // The writer refuses what line protocol cannot express (e.g. a newline in a tag value); the line is discarded whole.
            writer.DiscardLine();
            return ex.Message;
        }
    }

    private static void Write(Point point, LineProtocolWriter writer)
    {
        writer.WriteMeasurement(point.Measurement);
        // Tag order does not matter in line protocol (InfluxDB sorts, and series keys are built from sorted tags).
        foreach (var (key, value) in point.Tags)
        {
            writer.WriteTag(key, value);
        }

        foreach (var (key, value) in point.Fields)
        {
            writer.WriteField(key, value);
        }

        foreach (var (key, value) in point.IntFields)
        {
            writer.WriteField(key, value);
        }

        foreach (var (key, value) in point.BoolFields)
        {
            writer.WriteField(key, value);
        }

        foreach (var (key, value) in point.StringFields)
        {
            writer.WriteStringField(key, value);
        }

        if (point.TimestampUnixNano != 0)
        {
            writer.WriteTimestamp(point.TimestampUnixNano);
        }

        writer.EndLine();
    }
}
