using System.Buffers;
using System.Globalization;
using System.Text;
using Aiops.Ingest.LineProtocol;

namespace Aiops.Ingest.Tests.LineProtocol;

/// <summary>Runs bodies through the parser via the span splitter, the sequence reader and a simulated pipe, rendering each line as text.</summary>
internal static class LineProtocolTestSupport
{
    public const long DefaultTimestampNs = 1_700_000_000_123_456_789L;

    public static string Describe(ParsedLine parsed)
    {
        var text = new StringBuilder();
        text.Append("m=").Append(parsed.GetMeasurement()).Append(" tags[");
        for (int i = 0; i < parsed.Tags.Length; i++)
        {
            text.Append(i > 0 ? "," : string.Empty).Append(parsed.GetTagKey(i)).Append('=').Append(parsed.GetTagValue(i));
        }

        text.Append("] fields[");
        for (int i = 0; i < parsed.Fields.Length; i++)
        {
            FieldToken field = parsed.Fields[i];
            text.Append(i > 0 ? "," : string.Empty);
            string value = field.Kind switch
            {
                FieldKind.Float => "f:" + parsed.GetFieldKey(i) + "=" + field.Float.ToString("R", CultureInfo.InvariantCulture),
                FieldKind.Integer => "i:" + parsed.GetFieldKey(i) + "=" + field.Integer.ToString(CultureInfo.InvariantCulture),
                FieldKind.UInteger => "u:" + parsed.GetFieldKey(i) + "=" + field.UInteger.ToString(CultureInfo.InvariantCulture),
                FieldKind.String => "s:" + parsed.GetFieldKey(i) + "=\"" + parsed.GetFieldString(i) + "\"",
                _ => "b:" + parsed.GetFieldKey(i) + "=" + (field.Boolean ? "true" : "false"),
            };
            text.Append(value);
        }

        text.Append("] ts=");
        if (parsed.HasTimestamp)
        {
            text.Append(parsed.TimestampNs.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append(parsed.TimestampNs == DefaultTimestampNs ? "default" : "WRONG-DEFAULT");
        }

        return text.ToString();
    }

    public static string ParseOne(ReadOnlySpan<byte> line, Precision precision, int tagLimit, int fieldLimit)
    {
        var tags = new TagToken[tagLimit];
        var fields = new FieldToken[fieldLimit];
        return LineProtocolParser.TryParseLine(line, tags, fields, precision, DefaultTimestampNs, out ParsedLine parsed, out LineError error)
            ? Describe(parsed)
            : $"error col={error.Column} {error.Code}";
    }

    public static List<string> ParseWithSplitter(byte[] body, Precision precision = Precision.Nanoseconds, int tagLimit = 8, int fieldLimit = 8)
    {
        var results = new List<string>();
        var splitter = new LineSplitter(body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out int lineNumber))
        {
            results.Add($"L{lineNumber} {ParseOne(line, precision, tagLimit, fieldLimit)}");
        }

        return results;
    }

    public static List<string> ParseWithSequence(
        ReadOnlySequence<byte> body,
        Precision precision = Precision.Nanoseconds,
        int tagLimit = 8,
        int fieldLimit = 8,
        int maxLineLength = LineSequenceReader.DefaultMaxLineLength)
    {
        var results = new List<string>();
        var reader = new LineSequenceReader(body, isFinalBlock: true, maxLineLength);
        try
        {
            while (reader.TryNext(out ReadOnlySpan<byte> line, out int lineNumber, out bool tooLong))
            {
                results.Add(tooLong ? $"L{lineNumber} too long" : $"L{lineNumber} {ParseOne(line, precision, tagLimit, fieldLimit)}");
            }
        }
        finally
        {
            reader.Dispose();
        }

        return results;
    }

    /// <summary>
    /// Feeds <paramref name="body"/> in chunks the way a PipeReader loop would: one reader per read result over
    /// the unconsumed bytes (as one-byte segments), carrying line number and skip state to the next reader.
    /// </summary>
    public static List<string> ParseStreaming(byte[] body, int chunkSize, int maxLineLength = LineSequenceReader.DefaultMaxLineLength)
    {
        var results = new List<string>();
        var pending = new List<byte>();
        int linesBefore = 0;
        bool skipping = false;
        int offset = 0;
        do
        {
            int take = Math.Min(chunkSize, body.Length - offset);
            pending.AddRange(body.AsSpan(offset, take).ToArray());
            offset += take;
            bool final = offset == body.Length;
            ReadOnlySequence<byte> sequence = Segmented(pending.ToArray(), 1);
            var reader = new LineSequenceReader(sequence, final, maxLineLength, linesBefore, skipping);
            try
            {
                while (reader.TryNext(out ReadOnlySpan<byte> line, out int lineNumber, out bool tooLong))
                {
                    results.Add(tooLong ? $"L{lineNumber} too long" : $"L{lineNumber} {ParseOne(line, Precision.Nanoseconds, 8, 8)}");
                }

                long consumed = sequence.Slice(0, reader.Consumed).Length;
                pending.RemoveRange(0, (int)consumed);
                linesBefore = reader.LineNumber;
                skipping = reader.IsSkippingLongLine;
            }
            finally
            {
                reader.Dispose();
            }
        }
        while (offset < body.Length);

        return results;
    }

    public static ReadOnlySequence<byte> Segmented(byte[] data, int segmentSize)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(data.AsMemory(0, Math.Min(segmentSize, data.Length)), 0);
        Segment last = first;
        for (int start = segmentSize; start < data.Length; start += segmentSize)
        {
            last = last.Append(data.AsMemory(start, Math.Min(segmentSize, data.Length - start)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
