using System.Buffers;

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
