using System.Buffers;
using System.Text;

namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// Line-protocol escape rules. A backslash escapes only the characters of its context
/// (measurement: <c>,</c> and space; tag keys, tag values and field keys: <c>,</c> <c>=</c> and space;
/// string field values: <c>"</c> and <c>\</c>); a backslash before any other byte is a literal backslash.
/// </summary>
public static class LineProtocolEscaping
{
    /// <summary>Where a token appears; decides which characters a backslash escapes.</summary>
    public enum Context
    {
        Measurement,

        /// <summary>Tag keys, tag values and field keys.</summary>
        TagOrFieldKey,
        StringField,
    }

    // Larger tokens go through the shared pool instead of the stack.
    private const int StackLimit = 256;

    /// <summary>True when a backslash followed by <paramref name="next"/> is an escape sequence in <paramref name="context"/>.</summary>
    public static bool IsEscapable(byte next, Context context) => context switch
    {
        Context.Measurement => next is (byte)',' or (byte)' ',
        Context.TagOrFieldKey => next is (byte)',' or (byte)'=' or (byte)' ',
        _ => next is (byte)'"' or (byte)'\\',
    };

    /// <summary>
    /// Writes the unescaped form of <paramref name="raw"/> into <paramref name="destination"/> and returns the byte count.
    /// Unescaping never grows a token, so a destination of <c>raw.Length</c> bytes is always enough.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the unescaped token.</exception>
    public static int Unescape(ReadOnlySpan<byte> raw, Span<byte> destination, Context context)
    {
        int written = 0;
        while (true)
        {
            int slash = raw.IndexOf((byte)'\\');
            if (slash < 0 || slash == raw.Length - 1)
            {
                Append(raw, destination, ref written);
                return written;
            }

            if (IsEscapable(raw[slash + 1], context))
            {
                Append(raw[..slash], destination, ref written);
                Append(raw.Slice(slash + 1, 1), destination, ref written);
                raw = raw[(slash + 2)..];
            }
            else
            {
                // Literal backslash: keep it and rescan from the next byte, which may itself start an escape.
                Append(raw[..(slash + 1)], destination, ref written);
                raw = raw[(slash + 1)..];
            }
        }
    }

    /// <summary>Decodes a raw token to a string (UTF-8), unescaping it first when <paramref name="escaped"/>. Allocates the string.</summary>
    public static string GetString(ReadOnlySpan<byte> raw, bool escaped, Context context)
    {
        if (!escaped)
        {
            return Encoding.UTF8.GetString(raw);
        }

        byte[]? rented = null;
        Span<byte> buffer = raw.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            int length = Unescape(raw, buffer, context);
            return Encoding.UTF8.GetString(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Append(ReadOnlySpan<byte> source, Span<byte> destination, ref int written)
    {
        if (source.Length > destination.Length - written)
        {
            throw new ArgumentException("Destination is too short for the unescaped token.", nameof(destination));
        }

        source.CopyTo(destination[written..]);
        written += source.Length;
    }
}
