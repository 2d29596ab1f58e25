using System.Runtime.InteropServices;
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
/// <para>Bound through <see cref="TelemetryIngestServiceBase"/> instead of the generated base class: requests arrive as raw
/// bytes (<see cref="RawWriteRequest"/>) and <see cref="WriteRequestDecoder"/> turns structured points into line
/// protocol straight from them, with no <see cref="Point"/>, map or string per key and value. The wire contract and the
/// generated client are unchanged.</para>
/// <para>Structured points are validated one by one, serialised to line protocol and sent down the same path as HTTP
/// writes (<see cref="LineProtocolIngestor"/>), so every protocol stores and routes points identically. Rejection
/// indexes count the request's <c>points</c> first (0-based), then the lines of <c>line_protocol</c>
/// (index = points.Count + line number − 1). A response acknowledges its request's <c>sequence</c> once the accepted
/// points are queued for storage. Bytes that are not a well-formed <c>WriteRequest</c> answer <c>INVALID_ARGUMENT</c>
/// naming what is wrong and where; nothing of that request is ingested.</para>
/// </remarks>
public sealed class TelemetryIngestService(LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics)
    : TelemetryIngestServiceBase
{
    public override Task<WriteResponse> Write(RawWriteRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        using (request)
        {
            Authorize(context);
            return Task.FromResult(Handle(request.Payload, new WriteRequestDecoder(ingestor.Options.MaxTagsPerPoint)));
        }
    }

    public override async Task Stream(IAsyncStreamReader<RawWriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        Authorize(context);
        var decoder = new WriteRequestDecoder(ingestor.Options.MaxTagsPerPoint);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            WriteResponse response;
            using (request)
            {
                response = Handle(request.Payload, decoder);
            }

            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private void Authorize(ServerCallContext context)
    {
        if (auth.Check(context.RequestHeaders.GetValue("authorization"), null, TokenScopes.Write) != AuthResult.Allowed)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a token with the write scope is required (metadata 'authorization: Token <t>')"));
        }
    }

    private WriteResponse Handle(ReadOnlySpan<byte> payload, WriteRequestDecoder decoder)
    {
        if (!ingestor.HasCapacity)
        {
            metrics.RequestsOverloaded.Increment();
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "write queue full: retry later"));
        }

        var response = new WriteResponse();
        var failures = new List<IngestFailure>();
        var lineToPoint = new List<int>();
        uint accepted = 0;

        // Line protocol of a point is about as long as its protobuf encoding; the buffer grows if not.
        using var buffer = new PooledBuffer(Math.Max(1024, payload.Length + (payload.Length / 4)));
        DecodedWriteRequest decoded;
        using (var writer = new LineProtocolWriter(buffer))
        {
            try
            {
                decoded = decoder.Decode(payload, writer, lineToPoint, response.Rejected);
            }
            catch (ProtoWireException ex)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
            }
        }

        response.Sequence = decoded.Sequence;
        if (decoded.Points > 0)
        {
            var invalid = decoded.Points - lineToPoint.Count;
            var result = ingestor.Ingest(buffer.WrittenSpan, Precision.Nanoseconds, failures, CollectionsMarshal.AsSpan(lineToPoint));
            metrics.PointsReceived.Add(invalid);
            metrics.PointsRejected.Add(invalid);
            accepted += (uint)result.Accepted;
            foreach (var f in failures)
            {
                response.Rejected.Add(new Rejection { Index = (uint)f.Line, Reason = f.Message });
            }
        }

        if (decoded.LineProtocolLength > 0)
        {
            failures.Clear();
            var result = ingestor.Ingest(WriteRequestDecoder.LineProtocolBytes(payload, decoded), Precision.Nanoseconds, failures);
            accepted += (uint)result.Accepted;
            foreach (var f in failures)
            {
                response.Rejected.Add(new Rejection
                {
                    Index = (uint)(decoded.Points + f.Line - 1),
                    Reason = $"line {f.Line} column {f.Column}: {f.Message}",
                });
            }
        }

        response.Accepted = accepted;
        return response;
    }
}
