using System.Buffers.Binary;
using System.Text.Unicode;

namespace Aiops.Ingest.Grpc;

/// <summary>Protobuf wire types (the low 3 bits of a tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>Malformed protobuf bytes: the message says what is wrong and at which byte of the request.</summary>
public sealed class ProtoWireException(string message) : FormatException(message);

/// <summary>
/// A minimal protobuf wire-format reader over one contiguous message: tags, varints, fixed64 and length-delimited
/// slices, and skipping of unknown fields (groups included). Positions are offsets into the whole request, so errors
/// and slices refer to the same bytes.
/// </summary>
/// <remarks>
/// Lenient and strict exactly where Google.Protobuf is, so both accept and refuse the same bytes: tags and lengths are
/// read as 32-bit varints that may be padded to 10 bytes (the high bits dropped), 64-bit varints may carry junk in
/// their 10th byte, wire types 6 and 7 are empty fields inside a map entry; field number 0, wire types 6 and 7 in a
/// message, an end-group without its start-group, a varint longer than 10
/// bytes, a negative length, a string that is not valid UTF-8 and anything running past its enclosing message are errors.
/// </remarks>
internal ref struct ProtoWireReader
{
    /// <summary>Google.Protobuf's default recursion limit: enclosing messages and open groups together.</summary>
    private const int RecursionLimit = 100;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private readonly bool _mapEntry;
    private readonly int _maxGroupDepth;
    private int _position;

    /// <summary>Reads <c>buffer[start..end]</c> as one message.</summary>
    /// <param name="mapEntry">
    /// True for a map entry, which Google.Protobuf skips through with its lenient <c>SkipLastField</c>: there an
    /// unknown field of wire type 6 or 7 is a zero-byte field instead of an error (in a message it is an error).
    /// </param>
    /// <param name="nesting">Messages enclosing this one (0 for the request): they count against the recursion limit.</param>
    public ProtoWireReader(ReadOnlySpan<byte> buffer, int start, int end, bool mapEntry = false, int nesting = 0)
    {
        _buffer = buffer;
        _position = start;
        _end = end;
        _mapEntry = mapEntry;
        _maxGroupDepth = RecursionLimit - nesting;
    }

    public readonly bool IsAtEnd => _position >= _end;

    public readonly int Position => _position;

    /// <summary>Reads the next tag; field number 0 and wire types 6/7 are errors.</summary>
    public void ReadTag(out int fieldNumber, out WireType wireType)
    {
        int at = _position;
        uint tag = ReadVarint32("tag");
        fieldNumber = (int)(tag >> 3);
        int type = (int)(tag & 7);
        if (fieldNumber == 0)
        {
            throw Error($"invalid tag {tag} (field number 0)", at);
        }

        if (type > 5 && !_mapEntry)
        {
            throw Error($"invalid wire type {type} for field {fieldNumber}", at);
        }

        wireType = (WireType)type;
    }

    /// <summary>A varint of up to 10 bytes; bits beyond 64 are dropped.</summary>
    public ulong ReadVarint64()
    {
        int at = _position;
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end)
            {
                throw Error("varint runs past the end of its message", at);
            }

            byte b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Error("varint longer than 10 bytes", at);
    }

    public ulong ReadFixed64()
    {
        if (_end - _position < 8)
        {
            throw Error("fixed64 runs past the end of its message", _position);
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>Reads a length prefix and returns the start of the slice it delimits (the reader moves past it).</summary>
    public int ReadLengthDelimited(out int length)
    {
        int at = _position;
        int value = (int)ReadVarint32("length");
        if (value < 0)
        {
            throw Error($"negative length {value}", at);
        }

        if (value > _end - _position)
        {
            throw Error($"length {value} runs past the end of its message ({_end - _position} bytes left)", at);
        }

        int start = _position;
        _position += value;
        length = value;
        return start;
    }

    /// <summary>
    /// A length-delimited string field: like <see cref="ReadLengthDelimited"/>, and invalid UTF-8 is an error, as
    /// Google.Protobuf refuses the whole message then (it validates every string field it reads, even one a later
    /// occurrence overrides).
    /// </summary>
    public int ReadString(string what, out int length)
    {
        int start = ReadLengthDelimited(out length);
        if (!Utf8.IsValid(_buffer.Slice(start, length)))
        {
            throw Error($"{what} is not valid UTF-8", start);
        }

        return start;
    }

    /// <summary>Skips the value of a field whose tag was just read (unknown fields, or known ones of another wire type).</summary>
    public void SkipField(int fieldNumber, WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint64();
                break;
            case WireType.Fixed64:
                Skip(8, "fixed64");
                break;
            case WireType.Fixed32:
                Skip(4, "fixed32");
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited(out _);
                break;
            case WireType.StartGroup:
                SkipGroup(fieldNumber);
                break;
            case WireType.EndGroup:
                throw Error($"end-group tag for field {fieldNumber} without its start-group", _position);
            default:
                // Wire type 6 or 7, which ReadTag lets through only in a map entry: nothing to skip.
                break;
        }
    }

    /// <summary>An error at <paramref name="offset"/> (byte of the request).</summary>
    public static ProtoWireException Error(string what, int offset) => new($"{what} at byte {offset}");

    private void SkipGroup(int fieldNumber)
    {
        // Iterative, with a stack of open group numbers bounded by the depth limit: no recursion an attacker can deepen.
        Span<int> open = stackalloc int[RecursionLimit];
        int depth = 0;
        if (_maxGroupDepth < 1)
        {
            throw Error($"groups nested deeper than the recursion limit of {RecursionLimit}", _position);
        }

        open[depth++] = fieldNumber;
        while (depth > 0)
        {
            if (IsAtEnd)
            {
                throw Error($"group {open[depth - 1]} has no end-group tag", _position);
            }

            int at = _position;
            ReadTag(out int number, out WireType type);
            switch (type)
            {
                case WireType.EndGroup:
                    if (number != open[depth - 1])
                    {
                        throw Error($"end-group tag for field {number} closes group {open[depth - 1]}", at);
                    }

                    depth--;
                    break;
                case WireType.StartGroup:
                    if (depth == _maxGroupDepth)
                    {
                        throw Error($"groups nested deeper than the recursion limit of {RecursionLimit}", at);
                    }

                    open[depth++] = number;
                    break;
                default:
                    SkipField(number, type);
                    break;
            }
        }
    }

    private void Skip(int count, string what)
    {
        if (_end - _position < count)
        {
            throw Error($"{what} runs past the end of its message", _position);
        }

        _position += count;
    }

    /// <summary>Google.Protobuf's ReadRawVarint32: the low 32 bits of a varint of at most 10 bytes.</summary>
    private uint ReadVarint32(string what)
    {
        int at = _position;
        uint result = 0;
        for (int i = 0; i < 10; i++)
        {
            if (_position >= _end)
            {
                throw Error($"{what} varint runs past the end of its message", at);
            }

            byte b = _buffer[_position++];
            if (i < 5)
            {
                result |= (uint)(b & 0x7F) << (7 * i);
            }

            if (b < 0x80)
            {
                return result;
            }
        }

        throw Error($"{what} varint longer than 10 bytes", at);
    }
}
