using System.Text;
using Aiops.Ingest.Grpc;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;
using Google.Protobuf;

namespace Aiops.Ingest.Tests.Grpc;

/// <summary>What one request turns into before the ingestor sees it: the lines, their point indexes and the rejections.</summary>
internal sealed record Translation(ulong Sequence, int Points, string Lines, int[] LineToPoint, (uint Index, string Reason)[] Rejections, byte[] LineProtocol)
{
    public override string ToString() =>
        $"seq={Sequence} points={Points} lines=[{Lines}] map=[{string.Join(',', LineToPoint)}] rejected=[{string.Join("; ", Rejections.Select(r => $"{r.Index}:{r.Reason}"))}] lp={Convert.ToHexString(LineProtocol)}";

    public bool SameAs(Translation other) =>
        Sequence == other.Sequence && Points == other.Points && Lines == other.Lines && LineToPoint.SequenceEqual(other.LineToPoint)
        && Rejections.SequenceEqual(other.Rejections) && LineProtocol.AsSpan().SequenceEqual(other.LineProtocol);
}

/// <summary>
/// The oracle: the service as it was before the fast path — Google.Protobuf materialises the request, each
/// <see cref="Point"/> is checked and written with the UTF-16 writer. Kept verbatim so the fast decoder is held to it.
/// </summary>
internal static class StraightforwardPath
{
    public static Translation Translate(byte[] bytes, int maxTags)
    {
        var request = WriteRequest.Parser.ParseFrom(bytes);
        using var buffer = new PooledBuffer(1024);
        var lineToPoint = new List<int>();
        var rejections = new List<(uint, string)>();
        using (var writer = new LineProtocolWriter(buffer))
        {
            for (var i = 0; i < request.Points.Count; i++)
            {
                var reason = Serialize(request.Points[i], writer, maxTags);
                if (reason is null)
                {
                    lineToPoint.Add(i);
                }
                else
                {
                    rejections.Add(((uint)i, reason));
                }
            }
        }

        return new Translation(request.Sequence, request.Points.Count, Encoding.UTF8.GetString(buffer.WrittenSpan), [.. lineToPoint], [.. rejections], Encoding.UTF8.GetBytes(request.LineProtocol));
    }

    private static string? Serialize(Point point, LineProtocolWriter writer, int maxTags)
    {
        if (point.Measurement.Length == 0)
        {
            return "measurement is empty";
        }

        if (point.Tags.Count > maxTags)
        {
            return $"{point.Tags.Count} tags, over the limit of {maxTags}";
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

        try
        {
            writer.WriteMeasurement(point.Measurement);
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
            return null;
        }
        catch (ArgumentException ex)
        {
            writer.DiscardLine();
            return ex.Message;
        }
    }
}

/// <summary>The fast decoder, reduced to the same <see cref="Translation"/>.</summary>
internal static class FastPath
{
    public static Translation Translate(byte[] bytes, int maxTags)
    {
        using var buffer = new PooledBuffer(1024);
        var lineToPoint = new List<int>();
        var rejections = new List<Rejection>();
        DecodedWriteRequest decoded;
        using (var writer = new LineProtocolWriter(buffer))
        {
            decoded = new WriteRequestDecoder(maxTags).Decode(bytes, writer, lineToPoint, rejections);
        }

        return new Translation(
            decoded.Sequence,
            decoded.Points,
            Encoding.UTF8.GetString(buffer.WrittenSpan),
            [.. lineToPoint],
            [.. rejections.Select(r => (r.Index, r.Reason))],
            WriteRequestDecoder.LineProtocolBytes(bytes, decoded).ToArray());
    }
}

/// <summary>Hand-built protobuf bytes: what Google.Protobuf's own messages never emit (repeated map keys, unknown fields, odd order).</summary>
internal sealed class Wire
{
    private readonly MemoryStream _stream = new();
    private readonly CodedOutputStream _out;

    public Wire()
    {
        _out = new CodedOutputStream(_stream, leaveOpen: true);
    }

    public Wire Varint(int field, ulong value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteUInt64(value);
        return this;
    }

    public Wire Fixed64(int field, ulong value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed64);
        _out.WriteFixed64(value);
        return this;
    }

    public Wire Fixed32(int field, uint value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFixed32(value);
        return this;
    }

    public Wire Bytes(int field, ReadOnlySpan<byte> value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public Wire String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public Wire Message(int field, Wire message) => Bytes(field, message.ToArray());

    public Wire Group(int field, Wire content)
    {
        _out.WriteTag(field, WireFormat.WireType.StartGroup);
        _out.Flush();
        _stream.Write(content.ToArray());
        _out.WriteTag(field, WireFormat.WireType.EndGroup);
        return this;
    }

    public Wire Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Flush();
        _stream.Write(bytes);
        return this;
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _stream.ToArray();
    }
}
