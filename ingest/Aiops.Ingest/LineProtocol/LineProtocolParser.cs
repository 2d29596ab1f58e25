using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// Zero-allocation parser for one InfluxDB line-protocol line:
/// <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]</c>.
/// </summary>
/// <remarks>
/// Tokens are returned as offsets into the line (still escaped) plus decoded numeric values, so parsing a line
/// allocates nothing; strings are made only by callers that ask for them. Sections are separated by one or more
/// spaces; leading and trailing spaces are ignored. A tab is data, never a separator (as in InfluxDB's own
/// decoder), so a key or measurement may start with one and still round-trip. The line must be valid UTF-8.
/// The first problem found ends the parse with a <see cref="LineError"/> (1-based byte column and code); the
/// caller moves on to the next line, so one bad line never costs the rest of the batch.
/// </remarks>
public static class LineProtocolParser
{
    // Character classes, built once. Each scan set includes the backslash so escapes are seen; whether the byte
    // after a backslash is really escaped depends on the context (see LineProtocolEscaping).
    private static readonly SearchValues<byte> MeasurementStops = SearchValues.Create(", \\"u8);
    private static readonly SearchValues<byte> KeyStops = SearchValues.Create(",= \\"u8);
    private static readonly SearchValues<byte> StringStops = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> ValueEnds = SearchValues.Create(", "u8);
    private static readonly SearchValues<byte> MeasurementEscapable = SearchValues.Create(", "u8);
    private static readonly SearchValues<byte> KeyEscapable = SearchValues.Create(",= "u8);
    private static readonly SearchValues<byte> StringEscapable = SearchValues.Create("\"\\"u8);

    // Powers of ten that are exact doubles: with a mantissa below 2^53 one multiplication or division by these
    // is correctly rounded (Clinger's fast path), so the common Telegraf float needs no general-purpose parser.
    private static readonly double[] ExactPowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private enum NumberStatus : byte
    {
        Ok,
        Syntax,
        Overflow,
    }

    /// <summary>
    /// Parses one line (without its newline; a trailing <c>\r</c> should already be trimmed, see <see cref="LineSplitter"/>).
    /// </summary>
    /// <param name="line">The line bytes (UTF-8).</param>
    /// <param name="tagBuffer">Receives the tags; its length is the tag limit (more tags give <see cref="LineErrorCode.TooManyTags"/>).</param>
    /// <param name="fieldBuffer">Receives the fields; its length is the field limit (<see cref="LineErrorCode.TooManyFields"/>).</param>
    /// <param name="precision">Unit of the line's timestamp.</param>
    /// <param name="defaultTimestampNs">Timestamp used when the line has none (normally the server time, in ns).</param>
    /// <param name="parsed">The tokens; valid while <paramref name="line"/> and the buffers are unchanged. Default on failure.</param>
    /// <param name="error">Column and reason on failure; default on success.</param>
    /// <returns><c>true</c> when the line is valid.</returns>
    public static bool TryParseLine(
        ReadOnlySpan<byte> line,
        Span<TagToken> tagBuffer,
        Span<FieldToken> fieldBuffer,
        Precision precision,
        long defaultTimestampNs,
        out ParsedLine parsed,
        out LineError error)
    {
        parsed = default;
        int length = line.Length;
        int i = SkipSpaces(line, 0);
        if (i == length)
        {
            return Fail(out error, i, LineErrorCode.MissingMeasurement);
        }

        if (line[i] == (byte)'#')
        {
            return Fail(out error, i, LineErrorCode.InvalidMeasurement);
        }

        // One vectorised pass; ASCII-only lines (nearly all telemetry) cost a few nanoseconds.
        if (!Utf8.IsValid(line))
        {
            return Fail(out error, FindInvalidUtf8(line), LineErrorCode.InvalidUtf8);
        }

        // Measurement.
        int measurementStart = i;
        int measurementEnd = ScanEscaped(line, i, MeasurementStops, MeasurementEscapable, out bool measurementEscaped);
        if (measurementEnd == measurementStart)
        {
            return Fail(out error, measurementStart, LineErrorCode.MissingMeasurement);
        }

        i = measurementEnd;

        // Tag set: each tag starts with ','. The scans stop only at ',', '=', ' ' or the end, so after the loop
        // i is at a space or the end.
        int tagCount = 0;
        while (i < length && line[i] == (byte)',')
        {
            int keyStart = i + 1;
            int keyEnd = ScanEscaped(line, keyStart, KeyStops, KeyEscapable, out bool keyEscaped);
            if (keyEnd == keyStart)
            {
                return Fail(out error, keyStart, LineErrorCode.EmptyTagKey);
            }

            if (keyEnd == length || line[keyEnd] != (byte)'=')
            {
                return Fail(out error, keyEnd, LineErrorCode.MissingTagEquals);
            }

            int valueStart = keyEnd + 1;
            int valueEnd = ScanEscaped(line, valueStart, KeyStops, KeyEscapable, out bool valueEscaped);
            if (valueEnd == valueStart)
            {
                return Fail(out error, valueStart, LineErrorCode.EmptyTagValue);
            }

            if (valueEnd < length && line[valueEnd] == (byte)'=')
            {
                return Fail(out error, valueEnd, LineErrorCode.UnescapedEqualsInTagValue);
            }

            if (tagCount == tagBuffer.Length)
            {
                return Fail(out error, keyStart, LineErrorCode.TooManyTags);
            }

            tagBuffer[tagCount++] = new TagToken
            {
                KeyStart = keyStart,
                KeyLength = keyEnd - keyStart,
                ValueStart = valueStart,
                ValueLength = valueEnd - valueStart,
                KeyEscaped = keyEscaped,
                ValueEscaped = valueEscaped,
            };
            i = valueEnd;
        }

        i = SkipSpaces(line, i);
        if (i == length)
        {
            return Fail(out error, length, LineErrorCode.MissingFields);
        }

        // Field set.
        int fieldCount = 0;
        int fieldSetEnd;
        while (true)
        {
            int keyStart = i;
            int keyEnd = ScanEscaped(line, keyStart, KeyStops, KeyEscapable, out bool keyEscaped);
            if (keyEnd == keyStart)
            {
                return Fail(out error, keyStart, LineErrorCode.EmptyFieldKey);
            }

            if (keyEnd == length || line[keyEnd] != (byte)'=')
            {
                return Fail(out error, keyEnd, LineErrorCode.MissingFieldEquals);
            }

            int valueStart = keyEnd + 1;
            if (valueStart == length || line[valueStart] is (byte)',' or (byte)' ')
            {
                return Fail(out error, valueStart, LineErrorCode.MissingFieldValue);
            }

            if (fieldCount == fieldBuffer.Length)
            {
                return Fail(out error, keyStart, LineErrorCode.TooManyFields);
            }

            ref FieldToken field = ref fieldBuffer[fieldCount];
            field = default;
            field.KeyStart = keyStart;
            field.KeyLength = keyEnd - keyStart;
            field.KeyEscaped = keyEscaped;

            int valueEnd;
            if (line[valueStart] == (byte)'"')
            {
                int close = ScanString(line, valueStart + 1, out bool stringEscaped);
                if (close < 0)
                {
                    return Fail(out error, valueStart, LineErrorCode.UnterminatedString);
                }

                field.Kind = FieldKind.String;
                field.StringStart = valueStart + 1;
                field.StringLength = close - valueStart - 1;
                field.StringEscaped = stringEscaped;
                valueEnd = close + 1;
            }
            else
            {
                int relative = line[valueStart..].IndexOfAny(ValueEnds);
                valueEnd = relative < 0 ? length : valueStart + relative;
                LineErrorCode code = ParseScalar(line[valueStart..valueEnd], ref field);
                if (code != LineErrorCode.None)
                {
                    return Fail(out error, valueStart, code);
                }
            }

            fieldCount++;
            i = valueEnd;
            if (i == length)
            {
                fieldSetEnd = i;
                break;
            }

            if (line[i] == (byte)',')
            {
                i++;
                continue;
            }

            if (line[i] != (byte)' ')
            {
                // Only reachable after a closing quote: scalar tokens run up to ',' or ' '.
                return Fail(out error, i, LineErrorCode.UnexpectedCharacterAfterField);
            }

            fieldSetEnd = i;
            break;
        }

        // Optional timestamp, then nothing but spaces.
        i = SkipSpaces(line, fieldSetEnd);
        bool hasTimestamp = i < length;
        long timestampNs = defaultTimestampNs;
        if (hasTimestamp)
        {
            int timestampStart = i;
            int relative = line[i..].IndexOf((byte)' ');
            int timestampEnd = relative < 0 ? length : i + relative;
            NumberStatus status = ParseSigned(line[timestampStart..timestampEnd], out long timestamp);
            if (status == NumberStatus.Syntax)
            {
                return Fail(out error, timestampStart, LineErrorCode.InvalidTimestamp);
            }

            if (status == NumberStatus.Overflow || !PrecisionNames.TryToNanoseconds(timestamp, precision, out timestampNs))
            {
                return Fail(out error, timestampStart, LineErrorCode.TimestampOutOfRange);
            }

            i = SkipSpaces(line, timestampEnd);
            if (i < length)
            {
                return Fail(out error, i, LineErrorCode.TrailingGarbage);
            }
        }

        parsed = new ParsedLine(
            line,
            measurementStart,
            measurementEnd - measurementStart,
            measurementEscaped,
            tagBuffer[..tagCount],
            fieldBuffer[..fieldCount],
            fieldSetEnd,
            hasTimestamp,
            timestampNs);
        error = default;
        return true;
    }

    /// <summary>Returns the index of the first unescaped stop byte at or after <paramref name="start"/>, or the line length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanEscaped(ReadOnlySpan<byte> line, int start, SearchValues<byte> stops, SearchValues<byte> escapable, out bool escaped)
    {
        escaped = false;
        int i = start;
        while (true)
        {
            int relative = line[i..].IndexOfAny(stops);
            if (relative < 0)
            {
                return line.Length;
            }

            i += relative;
            if (line[i] != (byte)'\\')
            {
                return i;
            }

            if (i + 1 < line.Length && escapable.Contains(line[i + 1]))
            {
                escaped = true;
                i += 2;
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Returns the index of the closing quote of a string that starts at <paramref name="start"/>, or -1.</summary>
    private static int ScanString(ReadOnlySpan<byte> line, int start, out bool escaped)
    {
        escaped = false;
        int i = start;
        while (true)
        {
            int relative = line[i..].IndexOfAny(StringStops);
            if (relative < 0)
            {
                return -1;
            }

            i += relative;
            if (line[i] == (byte)'"')
            {
                return i;
            }

            if (i + 1 < line.Length && StringEscapable.Contains(line[i + 1]))
            {
                escaped = true;
                i += 2;
            }
            else
            {
                i++;
            }
        }
    }

    private static LineErrorCode ParseScalar(ReadOnlySpan<byte> token, ref FieldToken field)
    {
        byte first = token[0];
        if (first is (byte)'t' or (byte)'T' or (byte)'f' or (byte)'F')
        {
            if (!TryParseBoolean(token, out bool value))
            {
                return LineErrorCode.InvalidBoolean;
            }

            field.Kind = FieldKind.Boolean;
            field.Boolean = value;
            return LineErrorCode.None;
        }

        if (first != (byte)'-' && first != (byte)'.' && (uint)(first - '0') > 9)
        {
            return LineErrorCode.InvalidFieldValue;
        }

        byte last = token[^1];
        if (last == (byte)'i')
        {
            NumberStatus status = ParseSigned(token[..^1], out long value);
            if (status != NumberStatus.Ok)
            {
                return status == NumberStatus.Overflow ? LineErrorCode.IntegerOutOfRange : LineErrorCode.InvalidFieldValue;
            }

            field.Kind = FieldKind.Integer;
            field.Integer = value;
            return LineErrorCode.None;
        }

        if (last == (byte)'u')
        {
            NumberStatus status = ParseMagnitude(token[..^1], out ulong value);
            if (status != NumberStatus.Ok)
            {
                return status == NumberStatus.Overflow ? LineErrorCode.UnsignedOutOfRange : LineErrorCode.InvalidFieldValue;
            }

            field.Kind = FieldKind.UInteger;
            field.UInteger = value;
            return LineErrorCode.None;
        }

        NumberStatus floatStatus = ParseFloat(token, out double number);
        if (floatStatus != NumberStatus.Ok)
        {
            return floatStatus == NumberStatus.Overflow ? LineErrorCode.FloatOutOfRange : LineErrorCode.InvalidFieldValue;
        }

        field.Kind = FieldKind.Float;
        field.Float = number;
        return LineErrorCode.None;
    }

    private static bool TryParseBoolean(ReadOnlySpan<byte> token, out bool value)
    {
        switch (token.Length)
        {
            case 1:
                value = token[0] is (byte)'t' or (byte)'T';
                return true;
            case 4 when token.SequenceEqual("true"u8) || token.SequenceEqual("True"u8) || token.SequenceEqual("TRUE"u8):
                value = true;
                return true;
            case 5 when token.SequenceEqual("false"u8) || token.SequenceEqual("False"u8) || token.SequenceEqual("FALSE"u8):
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Parses <c>-?[0-9]+</c> into a signed 64-bit value.</summary>
    private static NumberStatus ParseSigned(ReadOnlySpan<byte> token, out long value)
    {
        bool negative = !token.IsEmpty && token[0] == (byte)'-';
        NumberStatus status = ParseMagnitude(negative ? token[1..] : token, out ulong magnitude);
        if (status != NumberStatus.Ok)
        {
            value = 0;
            return status;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                value = 0;
                return NumberStatus.Overflow;
            }

            value = (long)(0UL - magnitude);
            return NumberStatus.Ok;
        }

        if (magnitude > long.MaxValue)
        {
            value = 0;
            return NumberStatus.Overflow;
        }

        value = (long)magnitude;
        return NumberStatus.Ok;
    }

    /// <summary>Parses <c>[0-9]+</c> into an unsigned 64-bit value.</summary>
    private static NumberStatus ParseMagnitude(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return NumberStatus.Syntax;
        }

        // 19 decimal digits always fit in 64 bits, so the common case needs no overflow check.
        int fastLength = Math.Min(digits.Length, 19);
        ulong result = 0;
        for (int i = 0; i < fastLength; i++)
        {
            uint digit = (uint)(digits[i] - '0');
            if (digit > 9)
            {
                return NumberStatus.Syntax;
            }

            result = (result * 10) + digit;
        }

        bool overflow = false;
        for (int i = fastLength; i < digits.Length; i++)
        {
            uint digit = (uint)(digits[i] - '0');
            if (digit > 9)
            {
                return NumberStatus.Syntax;
            }

            // Keep validating the remaining bytes so that "1234...x" is a syntax error, not an overflow.
            if (!overflow && (result > (ulong.MaxValue - digit) / 10))
            {
                overflow = true;
            }

            result = (result * 10) + digit;
        }

        if (overflow)
        {
            return NumberStatus.Overflow;
        }

        value = result;
        return NumberStatus.Ok;
    }

    /// <summary>
    /// Parses <c>-?[0-9]*(\.[0-9]*)?([eE][+-]?[0-9]+)?</c> with at least one mantissa digit. NaN, infinities and
    /// a leading '+' are syntax errors; values beyond the double range are overflows.
    /// </summary>
    private static NumberStatus ParseFloat(ReadOnlySpan<byte> token, out double value)
    {
        value = 0;
        int i = 0;
        int length = token.Length;
        bool negative = token[0] == (byte)'-';
        if (negative)
        {
            i = 1;
        }

        ulong mantissa = 0;
        int digits = 0;
        int fractionDigits = 0;
        bool exact = true;
        while (i < length && (uint)(token[i] - '0') <= 9)
        {
            if (digits < 19)
            {
                mantissa = (mantissa * 10) + (uint)(token[i] - '0');
            }
            else
            {
                exact = false;
            }

            digits++;
            i++;
        }

        if (i < length && token[i] == (byte)'.')
        {
            i++;
            while (i < length && (uint)(token[i] - '0') <= 9)
            {
                if (digits < 19)
                {
                    mantissa = (mantissa * 10) + (uint)(token[i] - '0');
                    fractionDigits++;
                }
                else
                {
                    exact = false;
                }

                digits++;
                i++;
            }
        }

        if (digits == 0)
        {
            return NumberStatus.Syntax;
        }

        int exponent = 0;
        if (i < length && (token[i] | 0x20) == (byte)'e')
        {
            i++;
            bool exponentNegative = false;
            if (i < length && token[i] is (byte)'+' or (byte)'-')
            {
                exponentNegative = token[i] == (byte)'-';
                i++;
            }

            int exponentDigits = 0;
            while (i < length && (uint)(token[i] - '0') <= 9)
            {
                // Saturate: anything this large is out of range or zero anyway; the slow path decides which.
                if (exponent < 100_000)
                {
                    exponent = (exponent * 10) + (token[i] - '0');
                }

                exponentDigits++;
                i++;
            }

            if (exponentDigits == 0)
            {
                return NumberStatus.Syntax;
            }

            if (exponentNegative)
            {
                exponent = -exponent;
            }
        }

        if (i != length)
        {
            return NumberStatus.Syntax;
        }

        int power = exponent - fractionDigits;
        if (exact && mantissa <= (1UL << 53) && power is >= -22 and <= 22)
        {
            double m = mantissa;
            value = power < 0 ? m / ExactPowersOfTen[-power] : m * ExactPowersOfTen[power];
            if (negative)
            {
                value = -value;
            }

            return NumberStatus.Ok;
        }

        // The grammar is already checked, so the BCL parser sees only plain decimal numbers here.
        if (!double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
        {
            return NumberStatus.Syntax;
        }

        return double.IsFinite(value) ? NumberStatus.Ok : NumberStatus.Overflow;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpaces(ReadOnlySpan<byte> line, int start)
    {
        int i = start;
        while (i < line.Length && line[i] == (byte)' ')
        {
            i++;
        }

        return i;
    }

    private static int FindInvalidUtf8(ReadOnlySpan<byte> line)
    {
        int i = 0;
        while (i < line.Length)
        {
            if (Rune.DecodeFromUtf8(line[i..], out _, out int consumed) != OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return 0;
    }

    private static bool Fail(out LineError error, int offset, LineErrorCode code)
    {
        error = new LineError(offset + 1, code);
        return false;
    }
}
