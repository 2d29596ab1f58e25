using System.Buffers;
using Aiops.Ingest.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Aiops.Ingest.Grpc;

/// <summary>
/// The undecoded protobuf bytes of one <c>WriteRequest</c>, copied out of the transport into a pooled array
/// (the transport's buffer is only valid while the deserializer runs). Dispose returns the array.
/// </summary>
/// <remarks>
/// Copying once and decoding later, in the handler, is deliberate: the handler knows the limits in force and answers
/// malformed bytes with <c>INVALID_ARGUMENT</c>; a deserializer can do neither. The copy is one memcpy, where the
/// generated parser allocated several objects per point.
/// </remarks>
public sealed class RawWriteRequest : IDisposable
{
    private byte[] _array;
    private readonly int _length;

    private RawWriteRequest(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    /// <summary>The request bytes. Must not be used after <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Payload
    {
        get
        {
            ObjectDisposedException.ThrowIf(_array.Length == 0 && _length > 0, this);
            return _array.AsSpan(0, _length);
        }
    }

    /// <summary>Copies <paramref name="payload"/> into a pooled array.</summary>
    public static RawWriteRequest Copy(ReadOnlySequence<byte> payload)
    {
        int length = checked((int)payload.Length);
        var array = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        payload.CopyTo(array);
        return new RawWriteRequest(array, length);
    }

    /// <summary>Copies <paramref name="payload"/> into a pooled array.</summary>
    public static RawWriteRequest Copy(ReadOnlySpan<byte> payload)
    {
        var array = payload.IsEmpty ? [] : ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.CopyTo(array);
        return new RawWriteRequest(array, payload.Length);
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
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
