using System.Numerics;
using System.Text;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.LineProtocol;

namespace Aiops.Ingest.Grpc;

/// <summary>What <see cref="WriteRequestDecoder.Decode"/> found besides the points it wrote.</summary>
/// <param name="Sequence">The request's <c>sequence</c> (0 when absent).</param>
/// <param name="Points">How many <c>points</c> the request holds, valid or not.</param>
/// <param name="LineProtocolStart">Offset of the (last) <c>line_protocol</c> field's bytes in the payload.</param>
/// <param name="LineProtocolLength">Its length; 0 when absent or empty.</param>
public readonly record struct DecodedWriteRequest(ulong Sequence, int Points, int LineProtocolStart, int LineProtocolLength);

/// <summary>
/// Decodes the protobuf bytes of an <c>aiops.telemetry.v1.WriteRequest</c> straight into line protocol, without
/// materialising <see cref="Point"/>s: keys and values are copied from the request bytes into the writer's pooled line,
/// so a valid point costs no allocation at all.
/// </summary>
/// <remarks>
/// <para>Semantics are those of Google.Protobuf followed by the per-point checks the service has always made, message for
/// message: for a repeated scalar the last value wins; a repeated key in a map keeps its first position and its last
/// value (as <c>MapField</c> does); fields may come in any order; unknown fields and known fields with an unexpected
/// wire type are skipped; an entry without key or value has the empty/zero default.</para>
/// <para>Malformed bytes are refused where Google.Protobuf refuses them, including a string field (measurement, map
/// key, string value, <c>line_protocol</c>) that is not valid UTF-8: the whole request is then unusable, as before.</para>
/// <para>Not thread-safe: holds scratch lists reused from point to point. One decoder per request or per stream.</para>
/// </remarks>
public sealed class WriteRequestDecoder
{
    private readonly int _maxTagsPerPoint;
    private readonly EntryList _tags = new();
    private readonly EntryList _fields = new();
    private readonly EntryList _intFields = new();
    private readonly EntryList _stringFields = new();
    private readonly EntryList _boolFields = new();

    /// <param name="maxTagsPerPoint">Points with more (distinct) tags are rejected (IngestOptions.MaxTagsPerPoint, default 64).</param>
    public WriteRequestDecoder(int maxTagsPerPoint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTagsPerPoint);
        _maxTagsPerPoint = maxTagsPerPoint;
    }

    /// <summary>
    /// Writes each valid point of <paramref name="payload"/> as one line (timestamp omitted when 0, so the server's clock
    /// applies), records each written line's point index in <paramref name="lineToPoint"/> and each invalid point in
    /// <paramref name="rejections"/> (in point order). The <c>line_protocol</c> field is located, not parsed.
    /// </summary>
    /// <exception cref="ProtoWireException">The bytes are not a well-formed WriteRequest; nothing is usable then.</exception>
    public DecodedWriteRequest Decode(ReadOnlySpan<byte> payload, LineProtocolWriter writer, List<int> lineToPoint, ICollection<Rejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(lineToPoint);
        ArgumentNullException.ThrowIfNull(rejections);
        ulong sequence = 0;
        int points = 0, lineProtocolStart = 0, lineProtocolLength = 0;
        bool validated = writer.Utf8Validated;

        // Every string this decoder writes went through ProtoWireReader.ReadString, which refuses invalid UTF-8.
        writer.Utf8Validated = true;
        try
        {
            DecodeFields(payload, writer, lineToPoint, rejections, ref sequence, ref points, ref lineProtocolStart, ref lineProtocolLength);
        }
        catch (ProtoWireException ex)
        {
            throw new ProtoWireException($"malformed WriteRequest: {ex.Message}");
        }
        finally
        {
            writer.Utf8Validated = validated;
        }

        return new DecodedWriteRequest(sequence, points, lineProtocolStart, lineProtocolLength);
    }

    private void DecodeFields(
        ReadOnlySpan<byte> payload, LineProtocolWriter writer, List<int> lineToPoint, ICollection<Rejection> rejections,
        ref ulong sequence, ref int points, ref int lineProtocolStart, ref int lineProtocolLength)
    {
        var reader = new ProtoWireReader(payload, 0, payload.Length);
        while (!reader.IsAtEnd)
        {
            reader.ReadTag(out int field, out WireType type);
            switch (field)
            {
                case 1 when type == WireType.Varint:
                    sequence = reader.ReadVarint64();
                    break;
                case 2 when type == WireType.LengthDelimited:
                    int start = reader.ReadLengthDelimited(out int length);
                    string? reason = DecodePoint(payload, start, length, points, writer);
                    if (reason is null)
                    {
                        lineToPoint.Add(points);
                    }
                    else
                    {
                        rejections.Add(new Rejection { Index = (uint)points, Reason = reason });
                    }

                    points++;
                    break;
                case 3 when type == WireType.LengthDelimited:
                    lineProtocolStart = reader.ReadString("line_protocol", out lineProtocolLength);
                    break;
                default:
                    reader.SkipField(field, type);
                    break;
            }
        }
    }

    /// <summary>The bytes of the request's <c>line_protocol</c> field (valid UTF-8: <see cref="Decode"/> checked it).</summary>
    public static ReadOnlySpan<byte> LineProtocolBytes(ReadOnlySpan<byte> payload, DecodedWriteRequest decoded) =>
        payload.Slice(decoded.LineProtocolStart, decoded.LineProtocolLength);

    /// <summary>Collects one point, then validates and writes it; returns the rejection reason or null.</summary>
    private string? DecodePoint(ReadOnlySpan<byte> payload, int start, int length, int index, LineProtocolWriter writer)
    {
        int measurementStart = start, measurementLength = 0;
        long timestamp = 0;
        _tags.Clear();
        _fields.Clear();
        _intFields.Clear();
        _stringFields.Clear();
        _boolFields.Clear();
        try
        {
            var reader = new ProtoWireReader(payload, start, start + length, nesting: 1);
            while (!reader.IsAtEnd)
            {
                reader.ReadTag(out int field, out WireType type);
                if (field == 4 && type == WireType.Varint)
                {
                    timestamp = (long)reader.ReadVarint64();
                    continue;
                }

                if (field is < 1 or > 7 || type != WireType.LengthDelimited)
                {
                    reader.SkipField(field, type);
                    continue;
                }

                if (field == 1)
                {
                    measurementStart = reader.ReadString("measurement", out measurementLength);
                    continue;
                }

                int valueStart = reader.ReadLengthDelimited(out int valueLength);
                switch (field)
                {
                    case 2:
                        _tags.Add(ReadEntry(payload, valueStart, valueLength, WireType.LengthDelimited));
                        break;
                    case 3:
                        _fields.Add(ReadEntry(payload, valueStart, valueLength, WireType.Fixed64));
                        break;
                    case 5:
                        _intFields.Add(ReadEntry(payload, valueStart, valueLength, WireType.Varint));
                        break;
                    case 6:
                        _stringFields.Add(ReadEntry(payload, valueStart, valueLength, WireType.LengthDelimited));
                        break;
                    case 7:
                        _boolFields.Add(ReadEntry(payload, valueStart, valueLength, WireType.Varint));
                        break;
                    default:
                        // Field 4 (timestamp) sent length-delimited: skipped as Google.Protobuf does (already read).
                        break;
                }
            }
        }
        catch (ProtoWireException ex)
        {
            throw new ProtoWireException($"points[{index}]: {ex.Message}");
        }

        var measurement = payload.Slice(measurementStart, measurementLength);
        _tags.Dedupe(payload);
        _fields.Dedupe(payload);
        _intFields.Dedupe(payload);
        _stringFields.Dedupe(payload);
        _boolFields.Dedupe(payload);
        return Serialize(payload, measurement, timestamp, writer);
    }

    /// <summary>One map entry: key (field 1, string) and value (field 2 of <paramref name="valueType"/>); others skipped.</summary>
    private static Entry ReadEntry(ReadOnlySpan<byte> payload, int start, int length, WireType valueType)
    {
        var entry = new Entry { KeyStart = start, ValueStart = start };
        // Nesting 3, not 2: Google.Protobuf's SkipGroup (used inside map entries) counts a group before checking the
        // limit, where a message's unknown group is checked first; one fewer group is allowed there.
        var reader = new ProtoWireReader(payload, start, start + length, mapEntry: true, nesting: 3);
        while (!reader.IsAtEnd)
        {
            reader.ReadTag(out int field, out WireType type);
            if (field == 1 && type == WireType.LengthDelimited)
            {
                entry.KeyStart = reader.ReadString("map key", out entry.KeyLength);
            }
            else if (field == 2 && type == valueType)
            {
                switch (valueType)
                {
                    case WireType.LengthDelimited:
                        entry.ValueStart = reader.ReadString("map value", out entry.ValueLength);
                        break;
                    case WireType.Fixed64:
                        entry.Bits = reader.ReadFixed64();
                        break;
                    default:
                        entry.Bits = reader.ReadVarint64();
                        break;
                }
            }
            else
            {
                reader.SkipField(field, type);
            }
        }

        return entry;
    }

    /// <summary>The service's per-point checks, in its order and with its messages, then the line itself.</summary>
    private string? Serialize(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> measurement, long timestamp, LineProtocolWriter writer)
    {
        if (measurement.IsEmpty)
        {
            return "measurement is empty";
        }

        if (_tags.Count > _maxTagsPerPoint)
        {
            return $"{_tags.Count} tags, over the limit of {_maxTagsPerPoint}";
        }

        if (_fields.Count + _intFields.Count + _stringFields.Count + _boolFields.Count == 0)
        {
            return "point has no fields";
        }

        foreach (ref readonly var tag in _tags.Span)
        {
            if (tag.KeyLength == 0)
            {
                return "a tag key is empty";
            }

            if (tag.ValueLength == 0)
            {
                return $"tag '{Encoding.UTF8.GetString(tag.Key(payload))}' has an empty value";
            }
        }

        foreach (ref readonly var field in _fields.Span)
        {
            if (field.KeyLength == 0)
            {
                return "a field key is empty";
            }

            double value = BitConverter.UInt64BitsToDouble(field.Bits);
            if (!double.IsFinite(value))
            {
                return $"field '{Encoding.UTF8.GetString(field.Key(payload))}' is {value}: NaN and infinities cannot be stored";
            }
        }

        try
        {
            writer.WriteMeasurement(measurement);
            foreach (ref readonly var tag in _tags.Span)
            {
                writer.WriteTag(tag.Key(payload), tag.Value(payload));
            }

            foreach (ref readonly var field in _fields.Span)
            {
                writer.WriteField(field.Key(payload), BitConverter.UInt64BitsToDouble(field.Bits));
            }

            foreach (ref readonly var field in _intFields.Span)
            {
                writer.WriteField(field.Key(payload), (long)field.Bits);
            }

            foreach (ref readonly var field in _boolFields.Span)
            {
                writer.WriteField(field.Key(payload), field.Bits != 0);
            }

            foreach (ref readonly var field in _stringFields.Span)
            {
                writer.WriteStringField(field.Key(payload), field.Value(payload));
            }

            if (timestamp != 0)
            {
                writer.WriteTimestamp(timestamp);
            }

            writer.EndLine();
            return null;
        }
        catch (ArgumentException ex)
        {
            // What line protocol cannot express (a newline, a trailing backslash, a leading '#'): the line is dropped whole.
            writer.DiscardLine();
            return ex.Message;
        }
    }

    /// <summary>A map entry as offsets into the payload; numeric values as raw bits.</summary>
    private struct Entry
    {
        public int KeyStart;
        public int KeyLength;
        public int ValueStart;
        public int ValueLength;
        public ulong Bits;

        public readonly ReadOnlySpan<byte> Key(ReadOnlySpan<byte> payload) => payload.Slice(KeyStart, KeyLength);

        public readonly ReadOnlySpan<byte> Value(ReadOnlySpan<byte> payload) => payload.Slice(ValueStart, ValueLength);
    }

    /// <summary>The entries of one map of the current point, reused from point to point.</summary>
    private sealed class EntryList
    {
        // Up to this many entries, duplicates are found by comparing with every kept key (points have a handful);
        // beyond it a hash table keeps a map of thousands of keys linear instead of quadratic.
        private const int LinearLimit = 16;

        private Entry[] _items = new Entry[16];
        private int[] _table = [];

        public int Count { get; private set; }

        public Span<Entry> Span => _items.AsSpan(0, Count);

        public void Clear() => Count = 0;

        public void Add(in Entry entry)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[Count++] = entry;
        }

        /// <summary>Protobuf map semantics: a repeated key keeps the position of its first entry and the value of its last.</summary>
        public void Dedupe(ReadOnlySpan<byte> payload)
        {
            if (Count < 2)
            {
                return;
            }

            int kept = Count <= LinearLimit ? DedupeLinear(payload) : DedupeHashed(payload);
            Count = kept;
        }

        private int DedupeLinear(ReadOnlySpan<byte> payload)
        {
            int kept = 0;
            for (int i = 0; i < Count; i++)
            {
                var key = _items[i].Key(payload);
                int j = 0;
                while (j < kept && !_items[j].Key(payload).SequenceEqual(key))
                {
                    j++;
                }

                if (j < kept)
                {
                    SetValue(ref _items[j], _items[i]);
                }
                else
                {
                    _items[kept++] = _items[i];
                }
            }

            return kept;
        }

        private int DedupeHashed(ReadOnlySpan<byte> payload)
        {
            int size = (int)BitOperations.RoundUpToPowerOf2((uint)Count * 2);
            if (_table.Length < size)
            {
                _table = new int[size];
            }

            var table = _table.AsSpan(0, size);
            table.Clear();
            int mask = size - 1;
            int kept = 0;
            for (int i = 0; i < Count; i++)
            {
                var key = _items[i].Key(payload);
                var hash = new HashCode();
                hash.AddBytes(key);
                int slot = hash.ToHashCode() & mask;

                // Slots hold kept index + 1; 0 is empty. Linear probing; the table is at most half full.
                while (table[slot] != 0 && !_items[table[slot] - 1].Key(payload).SequenceEqual(key))
                {
                    slot = (slot + 1) & mask;
                }

                if (table[slot] != 0)
                {
                    SetValue(ref _items[table[slot] - 1], _items[i]);
                }
                else
                {
                    _items[kept] = _items[i];
                    table[slot] = ++kept;
                }
            }

            return kept;
        }

        private static void SetValue(ref Entry target, in Entry source)
        {
            target.ValueStart = source.ValueStart;
            target.ValueLength = source.ValueLength;
            target.Bits = source.Bits;
        }
    }
}
