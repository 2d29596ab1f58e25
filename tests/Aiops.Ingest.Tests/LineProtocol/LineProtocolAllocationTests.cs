using System.Buffers;
using Aiops.Ingest.LineProtocol;

namespace Aiops.Ingest.Tests.LineProtocol;

public class LineProtocolAllocationTests
{
    private const int Lines = 500;
    private const int Rounds = 5;

    [Fact]
    public void TryParseLine_TelegrafBatchViaSplitter_AllocatesNothingAfterWarmUp()
    {
        byte[] body = Aiops.Benchmarks.TelegrafLines.Build(Lines);
        var tags = new TagToken[64];
        var fields = new FieldToken[64];
        Assert.Equal(Lines, ParseWithSplitter(body, tags, fields));

        long allocated = SteadyStateAllocation(() => ParseWithSplitter(body, tags, fields), out int parsed);

        Assert.Equal(Lines * Rounds, parsed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryParseLine_TelegrafBatchViaSegmentedSequence_AllocatesNothingAfterWarmUp()
    {
        // 100-byte segments: most lines cross a segment boundary and go through the pooled scratch buffer.
        ReadOnlySequence<byte> body = LineProtocolTestSupport.Segmented(Aiops.Benchmarks.TelegrafLines.Build(Lines), 100);
        var tags = new TagToken[64];
        var fields = new FieldToken[64];
        Assert.Equal(Lines, ParseWithSequence(body, tags, fields));

        long allocated = SteadyStateAllocation(() => ParseWithSequence(body, tags, fields), out int parsed);

        Assert.Equal(Lines * Rounds, parsed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WriteNormalized_TelegrafBatch_AllocatesNothingAfterWarmUp()
    {
        byte[] body = Aiops.Benchmarks.TelegrafLines.Build(Lines);
        var tags = new TagToken[64];
        var fields = new FieldToken[64];
        var output = new ArrayBufferWriter<byte>(body.Length * 2);
        Normalize(body, tags, fields, output);
        int firstLength = output.WrittenCount;

        long allocated = SteadyStateAllocation(
            () =>
            {
                output.ResetWrittenCount();
                Normalize(body, tags, fields, output);
                return 1;
            },
            out _);

        Assert.Equal(firstLength, output.WrittenCount);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryParseLine_BadLines_ReportErrorsWithoutAllocating()
    {
        byte[] body = "cpu\ncpu,host f=1\ncpu f=NaN\ncpu f=\"open\ncpu f=1 12x\ncpu f=99999999999999999999i\n"u8.ToArray();
        var tags = new TagToken[8];
        var fields = new FieldToken[8];
        Assert.Equal(6, CountErrors(body, tags, fields));

        long allocated = SteadyStateAllocation(() => CountErrors(body, tags, fields), out int errors);

        Assert.Equal(6 * Rounds, errors);
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// Bytes allocated by <see cref="Rounds"/> runs of <paramref name="run"/> in the steady state, and what those runs
    /// returned (summed). The runtime itself may allocate once in an early window while it tiers code up or replaces a
    /// running loop; code that allocates per line would allocate in every window, so the smallest of a few windows is
    /// what the code under test allocates.
    /// </summary>
    private static long SteadyStateAllocation(Func<int> run, out int total)
    {
        const int Windows = 4;
        long smallest = long.MaxValue;
        total = 0;
        for (int window = 0; window < Windows; window++)
        {
            int sum = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < Rounds; round++)
            {
                sum += run();
            }

            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
            total = sum;
        }

        return smallest;
    }

    private static int CountErrors(byte[] body, TagToken[] tags, FieldToken[] fields)
    {
        int errors = 0;
        var splitter = new LineSplitter(body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out int lineNumber))
        {
            if (!LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, 0, out _, out LineError error)
                && error.Column > 0 && error.Message.Length > 0 && lineNumber > 0)
            {
                errors++;
            }
        }

        return errors;
    }

    private static int ParseWithSplitter(byte[] body, TagToken[] tags, FieldToken[] fields)
    {
        int parsed = 0;
        var splitter = new LineSplitter(body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out _))
        {
            if (LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, 0, out ParsedLine point, out _) && point.Fields.Length > 0)
            {
                parsed++;
            }
        }

        return parsed;
    }

    private static int ParseWithSequence(ReadOnlySequence<byte> body, TagToken[] tags, FieldToken[] fields)
    {
        int parsed = 0;
        var reader = new LineSequenceReader(body, isFinalBlock: true);
        try
        {
            while (reader.TryNext(out ReadOnlySpan<byte> line, out _, out _))
            {
                if (LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, 0, out _, out _))
                {
                    parsed++;
                }
            }
        }
        finally
        {
            reader.Dispose();
        }

        return parsed;
    }

    private static void Normalize(byte[] body, TagToken[] tags, FieldToken[] fields, ArrayBufferWriter<byte> output)
    {
        var splitter = new LineSplitter(body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out _))
        {
            if (LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, 0, out ParsedLine point, out _))
            {
                LineProtocolWriter.WriteNormalized(point, output);
            }
        }
    }
}
