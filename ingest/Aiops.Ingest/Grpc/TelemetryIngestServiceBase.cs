using Aiops.Ingest.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Aiops.Ingest.Grpc;

/// <summary>
/// The binding of <c>aiops.telemetry.v1.TelemetryIngest</c> over raw requests, in the shape Grpc.AspNetCore expects of
/// generated code: it calls <see cref="BindService"/> with a null service, then looks the handlers up by name and
/// accepts only methods that override ones declared on the type carrying <see cref="BindServiceMethodAttribute"/>
/// (hence an abstract base rather than methods on the service itself).
/// </summary>
[BindServiceMethod(typeof(TelemetryIngestServiceBase), nameof(BindService))]
public abstract class TelemetryIngestServiceBase
{
    /// <summary>Unary batch.</summary>
    public abstract Task<WriteResponse> Write(RawWriteRequest request, ServerCallContext context);

    /// <summary>One response per request, in order.</summary>
    public abstract Task Stream(IAsyncStreamReader<RawWriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context);

    /// <summary>Adds both methods to <paramref name="binder"/>; <paramref name="service"/> is null under Grpc.AspNetCore.</summary>
    public static void BindService(ServiceBinderBase binder, TelemetryIngestServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(TelemetryIngestMethods.Write, service is null ? null : service.Write);
        binder.AddMethod(TelemetryIngestMethods.Stream, service is null ? null : service.Stream);
    }
}

/// <summary>
/// The <c>aiops.telemetry.v1.TelemetryIngest</c> methods with a raw request marshaller: same service and method names
/// and the same wire format as the generated client, so <c>TelemetryIngest.TelemetryIngestClient</c> talks to it
/// unchanged. Responses use the generated <see cref="WriteResponse"/>.
/// </summary>
public static class TelemetryIngestMethods
{
    /// <summary>Fully qualified service name (DESIGN §4.2).</summary>
    public const string ServiceName = "aiops.telemetry.v1.TelemetryIngest";

    /// <summary>Request bytes copied as they are; decoding happens in the handler.</summary>
    public static readonly Marshaller<RawWriteRequest> RequestMarshaller = Marshallers.Create(
        (RawWriteRequest request, SerializationContext context) =>
        {
            var payload = request.Payload;
            context.SetPayloadLength(payload.Length);
            var output = context.GetBufferWriter();
            payload.CopyTo(output.GetSpan(payload.Length));
            output.Advance(payload.Length);
            context.Complete();
        },
        context => RawWriteRequest.Copy(context.PayloadAsReadOnlySequence()));

    /// <summary>The generated message, serialised straight into the transport's buffer.</summary>
    public static readonly Marshaller<WriteResponse> ResponseMarshaller = Marshallers.Create(
        (WriteResponse response, SerializationContext context) =>
        {
            context.SetPayloadLength(response.CalculateSize());
            response.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        context => WriteResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>Unary <c>Write</c>.</summary>
    public static readonly Method<RawWriteRequest, WriteResponse> Write =
        new(MethodType.Unary, ServiceName, "Write", RequestMarshaller, ResponseMarshaller);

    /// <summary>Bidirectional <c>Stream</c>: one response per request, in order.</summary>
    public static readonly Method<RawWriteRequest, WriteResponse> Stream =
        new(MethodType.DuplexStreaming, ServiceName, "Stream", RequestMarshaller, ResponseMarshaller);
}
