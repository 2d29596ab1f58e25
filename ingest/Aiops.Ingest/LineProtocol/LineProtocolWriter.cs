using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// Writes line-protocol lines into an <see cref="IBufferWriter{T}"/>: escapes measurement, keys, tag values and
/// string fields as needed, writes floats in shortest round-trip form, integers with <c>i</c> and unsigned
/// integers with <c>u</c>, and puts the separators in.
/// </summary>
/// <remarks>
/// <para>Call order per line: <see cref="WriteMeasurement"/>, any number of <see cref="WriteTag"/>, at least one
/// field, optionally <see cref="WriteTimestamp"/>, then <see cref="EndLine"/>. Calls out of order throw
/// <see cref="InvalidOperationException"/>.</para>
/// <para>Lines are atomic: the line is assembled in a pooled buffer and copied to the output only by
/// <see cref="EndLine"/>. A rejected value (<see cref="ArgumentException"/>: empty measurement or key, empty tag value,
/// NaN or infinity, a newline anywhere, a measurement starting with '#', a measurement/key/tag value ending
/// with a backslash (no escape can express it), invalid UTF-16) leaves the line as it was, so the caller can
/// go on or call <see cref="DiscardLine"/>; the output never receives half a line.</para>
/// <para>Not thread-safe. Dispose to return the pooled buffer.</para>
/// </remarks>
public sealed class LineProtocolWriter : IDisposable
{
    private const int InitialCapacity = 512;

    /// <summary>Fraction digits the fast float formatting handles (<see cref="TryFormatShortDecimal"/>).</summary>
    private const int MaxFastFractionDigits = 6;

    private static readonly double[] Pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];

    // Characters the escapers prefix with a backslash, per context.
    private static readonly SearchValues<byte> MeasurementSpecials = SearchValues.Create(", "u8);
    private static readonly SearchValues<byte> KeySpecials = SearchValues.Create(",= "u8);
    private static readonly SearchValues<byte> StringSpecials = SearchValues.Create("\"\\"u8);

    private readonly IBufferWriter<byte> _output;
    private byte[] _line;
    private int _length;
    private State _state;

    private enum State : byte
    {
        LineStart,
        Tags,
        Fields,
        Timestamp,
    }

    public LineProtocolWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _line = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    }

    /// <summary>
    /// Set by a caller in this assembly that has already checked every UTF-8 span it passes (the gRPC decoder validates
    /// each protobuf string as it reads it, as protobuf requires): the UTF-8 overloads then skip that second check.
    /// The other checks (newline, trailing backslash, empty, leading '#') stay.
    /// </summary>
    internal bool Utf8Validated { get; set; }

    /// <summary>Bytes of the line being assembled (not yet in the output).</summary>
    public int PendingLength => _length;

    /// <summary>Starts a line.</summary>
    public void WriteMeasurement(ReadOnlySpan<char> name)
    {
        Expect(_state == State.LineStart, "WriteMeasurement must start a line (call EndLine first).");
        ValidateToken(name, nameof(name), "measurement", rejectTrailingBackslash: true);
        if (name[0] == '#')
        {
            throw new ArgumentException("A measurement cannot start with '#' (the line would be read as a comment).", nameof(name));
        }

        int start = _length;
        try
        {
            AppendEscaped(name, MeasurementSpecials);
        }
        catch
        {
            _length = start;
            throw;
        }

        _state = State.Tags;
    }

    /// <summary>Adds a tag. InfluxDB ingests fastest when tags come sorted by key; that is the caller's choice.</summary>
    public void WriteTag(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        Expect(_state == State.Tags, "Tags go after the measurement and before the first field.");
        ValidateToken(key, nameof(key), "tag key", rejectTrailingBackslash: true);
        ValidateToken(value, nameof(value), "tag value", rejectTrailingBackslash: true);
        int start = _length;
        try
        {
            AppendByte((byte)',');
            AppendEscaped(key, KeySpecials);
            AppendByte((byte)'=');
            AppendEscaped(value, KeySpecials);
        }
        catch
        {
            _length = start;
            throw;
        }
    }

    /// <summary>Adds a float field in shortest round-trip form.</summary>
    public void WriteField(ReadOnlySpan<char> key, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException("Line protocol cannot carry NaN or infinity.", nameof(value));
        }

        int start = BeginField(key);
        EnsureCapacity(32);
        if (!value.TryFormat(_line.AsSpan(_length), out int written, default, CultureInfo.InvariantCulture))
        {
            _length = start;
            throw new InvalidOperationException("Float formatting failed.");
        }

        _length += written;
        _state = State.Fields;
    }

    /// <summary>Adds a signed integer field (suffix <c>i</c>).</summary>
    public void WriteField(ReadOnlySpan<char> key, long value)
    {
        BeginField(key);
        AppendInt64(value);
        AppendByte((byte)'i');
        _state = State.Fields;
    }

    /// <summary>Adds an unsigned integer field (suffix <c>u</c>).</summary>
    public void WriteFieldUnsigned(ReadOnlySpan<char> key, ulong value)
    {
        BeginField(key);
        EnsureCapacity(24);
        Utf8Formatter.TryFormat(value, _line.AsSpan(_length), out int written);
        _length += written;
        AppendByte((byte)'u');
        _state = State.Fields;
    }

    /// <summary>Adds a boolean field (<c>true</c>/<c>false</c>).</summary>
    public void WriteField(ReadOnlySpan<char> key, bool value)
    {
        BeginField(key);
        AppendBytes(value ? "true"u8 : "false"u8);
        _state = State.Fields;
    }

    /// <summary>Adds a string field; <c>"</c> and <c>\</c> are escaped.</summary>
    public void WriteStringField(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        if (value.Contains('\n'))
        {
            throw new ArgumentException("A newline cannot be written: the reader splits lines on every newline.", nameof(value));
        }

        int start = BeginField(key);
        try
        {
            AppendByte((byte)'"');
            AppendEscaped(value, StringSpecials);
            AppendByte((byte)'"');
        }
        catch
        {
            _length = start;
            throw;
        }

        _state = State.Fields;
    }

    /// <summary>
    /// Starts a line from a UTF-8 name: the same checks, messages and escaping as the UTF-16 overload, plus a refusal of
    /// invalid UTF-8 (the counterpart of an unpaired surrogate), so gRPC ingest can copy protobuf strings unconverted.
    /// </summary>
    public void WriteMeasurement(ReadOnlySpan<byte> name)
    {
        Expect(_state == State.LineStart, "WriteMeasurement must start a line (call EndLine first).");
        ValidateToken(name, nameof(name), "measurement");
        if (name[0] == (byte)'#')
        {
            throw new ArgumentException("A measurement cannot start with '#' (the line would be read as a comment).", nameof(name));
        }

        AppendEscaped(name, MeasurementSpecials);
        _state = State.Tags;
    }

    /// <summary>Adds a tag from UTF-8 key and value (same rules as the UTF-16 overload).</summary>
    public void WriteTag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Expect(_state == State.Tags, "Tags go after the measurement and before the first field.");
        ValidateToken(key, nameof(key), "tag key");
        ValidateToken(value, nameof(value), "tag value");
        AppendByte((byte)',');
        AppendEscaped(key, KeySpecials);
        AppendByte((byte)'=');
        AppendEscaped(value, KeySpecials);
    }

    /// <summary>Adds a float field with a UTF-8 key (same rules as the UTF-16 overload).</summary>
    public void WriteField(ReadOnlySpan<byte> key, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException("Line protocol cannot carry NaN or infinity.", nameof(value));
        }

        BeginField(key);
        EnsureCapacity(32);
        Span<byte> destination = _line.AsSpan(_length);
        if (!TryFormatShortDecimal(value, destination, out int written)
            && !value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("Float formatting failed.");
        }

        _length += written;
        _state = State.Fields;
    }

    /// <summary>
    /// The text <c>double.TryFormat</c> gives (shortest round-trip, invariant culture) for the common case of a decimal
    /// with at most <see cref="MaxFastFractionDigits"/> fraction digits between 1e-4 and 1e15, several times faster;
    /// false for anything else (the caller then formats the general way).
    /// </summary>
    /// <remarks>
    /// For k = 0, 1, … the nearest integer m to |value|·10^k is tried: m / 10^k (exact operands, correctly rounded
    /// division) equal to |value| means the decimal m·10^-k parses back to value, and the first k that works gives the
    /// fewest digits. Below 1e15 the decimals 10^-k apart are wider apart than the doubles around value, so at most one
    /// round-trips and the rounded product finds it: it is the shortest and closest text, the one the runtime prints. In
    /// that range the runtime prints positional notation (its exponent form starts at 1e15 and below 1e-4).
    /// </remarks>
    private static bool TryFormatShortDecimal(double value, Span<byte> destination, out int written)
    {
        written = 0;
        double magnitude = Math.Abs(value);
        if (!(magnitude >= 1e-4 && magnitude < 1e15) || destination.Length < 24)
        {
            return false;
        }

        for (int k = 0; k <= MaxFastFractionDigits; k++)
        {
            // One rounding: the magnitude times an exact power of ten, never a product of products.
            double scaled = magnitude * Pow10[k];
            if (scaled >= 1e15)
            {
                return false;
            }

            double nearest = Math.Round(scaled);
            if (nearest / Pow10[k] != magnitude)
            {
                continue;
            }

            ulong digits = (ulong)nearest;
            ulong unit = (ulong)Pow10[k];
            if (k > 0 && digits % 10 == 0)
            {
                return false; // cannot happen by the argument above; the general path is the safe answer if it does
            }

            int position = 0;
            if (value < 0)
            {
                destination[position++] = (byte)'-';
            }

            Utf8Formatter.TryFormat(digits / unit, destination[position..], out int integerLength);
            position += integerLength;
            if (k > 0)
            {
                destination[position++] = (byte)'.';
                ulong fraction = digits % unit;
                for (int d = k - 1; d >= 0; d--)
                {
                    destination[position + d] = (byte)('0' + (int)(fraction % 10));
                    fraction /= 10;
                }

                position += k;
            }

            written = position;
            return true;
        }

        return false;
    }

    /// <summary>Adds a signed integer field (suffix <c>i</c>) with a UTF-8 key.</summary>
    public void WriteField(ReadOnlySpan<byte> key, long value)
    {
        BeginField(key);
        AppendInt64(value);
        AppendByte((byte)'i');
        _state = State.Fields;
    }

    /// <summary>Adds a boolean field (<c>true</c>/<c>false</c>) with a UTF-8 key.</summary>
    public void WriteField(ReadOnlySpan<byte> key, bool value)
    {
        BeginField(key);
        AppendBytes(value ? "true"u8 : "false"u8);
        _state = State.Fields;
    }

    /// <summary>Adds a string field from UTF-8 key and value; <c>"</c> and <c>\</c> are escaped (same rules as the UTF-16 overload).</summary>
    public void WriteStringField(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        // Same order of checks as the UTF-16 overload, so both give the same message for the same bad input.
        if (value.Contains((byte)'\n'))
        {
            throw new ArgumentException("A newline cannot be written: the reader splits lines on every newline.", nameof(value));
        }

        if (!Utf8Validated && !Utf8.IsValid(value))
        {
            throw new ArgumentException("The text is not valid UTF-8.", nameof(value));
        }

        BeginField(key);
        AppendByte((byte)'"');
        AppendEscaped(value, StringSpecials);
        AppendByte((byte)'"');
        _state = State.Fields;
    }

    /// <summary>Adds the timestamp in nanoseconds (write with precision <c>ns</c>).</summary>
    public void WriteTimestamp(long timestampNs)
    {
        Expect(_state == State.Fields, "The timestamp goes after at least one field, once per line.");
        AppendByte((byte)' ');
        AppendInt64(timestampNs);
        _state = State.Timestamp;
    }

    /// <summary>Ends the line with '\n' and copies it to the output.</summary>
    public void EndLine()
    {
        Expect(_state is State.Fields or State.Timestamp, "A line needs a measurement and at least one field.");
        AppendByte((byte)'\n');
        _output.Write(_line.AsSpan(0, _length));
        _length = 0;
        _state = State.LineStart;
    }

    /// <summary>Drops the line being assembled; the output is unchanged.</summary>
    public void DiscardLine()
    {
        _length = 0;
        _state = State.LineStart;
    }

    /// <summary>
    /// Forwards a validated line with an explicit nanosecond timestamp: copies
    /// <c>Line[MeasurementStart..FieldSetEnd]</c> verbatim (escapes untouched), then <c>' ' + TimestampNs + '\n'</c>.
    /// Allocates nothing beyond what <paramref name="output"/> does.
    /// </summary>
    public static void WriteNormalized(in ParsedLine line, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<byte> body = line.Line[line.MeasurementStart..line.FieldSetEnd];

        // 1 space + at most 20 characters for a long + 1 newline.
        Span<byte> destination = output.GetSpan(body.Length + 22);
        body.CopyTo(destination);
        int position = body.Length;
        destination[position++] = (byte)' ';
        Utf8Formatter.TryFormat(line.TimestampNs, destination[position..], out int written);
        position += written;
        destination[position++] = (byte)'\n';
        output.Advance(position);
    }

    public void Dispose()
    {
        byte[] line = _line;
        _line = [];
        if (line.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    private int BeginField(ReadOnlySpan<char> key)
    {
        Expect(_state is State.Tags or State.Fields, "Fields go after the measurement/tags and before the timestamp.");
        ValidateToken(key, nameof(key), "field key", rejectTrailingBackslash: true);
        int start = _length;
        try
        {
            AppendByte(_state == State.Tags ? (byte)' ' : (byte)',');
            AppendEscaped(key, KeySpecials);
            AppendByte((byte)'=');
        }
        catch
        {
            _length = start;
            throw;
        }

        return start;
    }

    // The UTF-8 members below validate everything before appending, so a refusal leaves the line untouched without
    // the rollback the UTF-16 members need (their transcoding can fail half-way).
    private void BeginField(ReadOnlySpan<byte> key)
    {
        Expect(_state is State.Tags or State.Fields, "Fields go after the measurement/tags and before the timestamp.");
        ValidateToken(key, nameof(key), "field key");
        AppendByte(_state == State.Tags ? (byte)' ' : (byte)',');
        AppendEscaped(key, KeySpecials);
        AppendByte((byte)'=');
    }

    /// <summary>The UTF-8 twin of the UTF-16 check: same order, same messages; then UTF-8 validity.</summary>
    private void ValidateToken(ReadOnlySpan<byte> text, string parameter, string what)
    {
        if (text.IsEmpty)
        {
            throw new ArgumentException($"The {what} must not be empty.", parameter);
        }

        // In valid UTF-8 the bytes '\n' and '\\' only ever encode those characters (multi-byte sequences use bytes >= 0x80).
        if (text.Contains((byte)'\n'))
        {
            throw new ArgumentException($"The {what} contains a newline, which line protocol cannot carry.", parameter);
        }

        if (text[^1] == (byte)'\\')
        {
            throw new ArgumentException($"The {what} ends with a backslash, which would escape the following separator.", parameter);
        }

        if (!Utf8Validated && !Utf8.IsValid(text))
        {
            throw new ArgumentException($"The {what} is not valid UTF-8.", parameter);
        }
    }

    /// <summary>Copies already-validated UTF-8 with a backslash before each byte in <paramref name="specials"/>.</summary>
    private void AppendEscaped(ReadOnlySpan<byte> utf8, SearchValues<byte> specials)
    {
        EnsureCapacity(2 * utf8.Length);
        Span<byte> destination = _line.AsSpan(_length);
        int write = 0;
        while (true)
        {
            int special = utf8.IndexOfAny(specials);
            if (special < 0)
            {
                utf8.CopyTo(destination[write..]);
                write += utf8.Length;
                break;
            }

            utf8[..special].CopyTo(destination[write..]);
            write += special;
            destination[write++] = (byte)'\\';
            destination[write++] = utf8[special];
            utf8 = utf8[(special + 1)..];
        }

        _length += write;
    }

    private static void ValidateToken(ReadOnlySpan<char> text, string parameter, string what, bool rejectTrailingBackslash)
    {
        if (text.IsEmpty)
        {
            throw new ArgumentException($"The {what} must not be empty.", parameter);
        }

        if (text.Contains('\n'))
        {
            throw new ArgumentException($"The {what} contains a newline, which line protocol cannot carry.", parameter);
        }

        if (rejectTrailingBackslash && text[^1] == '\\')
        {
            throw new ArgumentException($"The {what} ends with a backslash, which would escape the following separator.", parameter);
        }
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>Encodes <paramref name="text"/> as UTF-8 with a backslash before each byte in <paramref name="specials"/>.</summary>
    private void AppendEscaped(ReadOnlySpan<char> text, SearchValues<byte> specials)
    {
        // Encode into the upper half of the reserved space, then copy down while escaping. Escaping at most doubles
        // the bytes, and the write index (<= 2 * read index + 2) never passes the read position
        // (maxUtf8 + read index + 1), so the in-place copy is safe and needs no second buffer.
        int maxUtf8 = Encoding.UTF8.GetMaxByteCount(text.Length);
        EnsureCapacity(2 * maxUtf8);
        Span<byte> reserved = _line.AsSpan(_length, 2 * maxUtf8);
        OperationStatus status = Utf8.FromUtf16(text, reserved[maxUtf8..], out _, out int encoded, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException("The text is not valid UTF-16 (unpaired surrogate).", nameof(text));
        }

        int write = 0;
        for (int read = 0; read < encoded; read++)
        {
            byte b = reserved[maxUtf8 + read];
            if (specials.Contains(b))
            {
                reserved[write++] = (byte)'\\';
            }

            reserved[write++] = b;
        }

        _length += write;
    }

    private void AppendInt64(long value)
    {
        EnsureCapacity(24);
        Utf8Formatter.TryFormat(value, _line.AsSpan(_length), out int written);
        _length += written;
    }

    private void AppendByte(byte value)
    {
        EnsureCapacity(1);
        _line[_length++] = value;
    }

    private void AppendBytes(ReadOnlySpan<byte> value)
    {
        EnsureCapacity(value.Length);
        value.CopyTo(_line.AsSpan(_length));
        _length += value.Length;
    }

    private void EnsureCapacity(int extra)
    {
        ObjectDisposedException.ThrowIf(_line.Length == 0, this);
        if (_length + extra <= _line.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_line.Length * 2, _length + extra));
        _line.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_line);
        _line = larger;
    }
}
