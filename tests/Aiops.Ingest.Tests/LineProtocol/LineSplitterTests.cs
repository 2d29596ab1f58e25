using System.Text;
using Aiops.Ingest.LineProtocol;
using static Aiops.Ingest.Tests.LineProtocol.LineProtocolTestSupport;

namespace Aiops.Ingest.Tests.LineProtocol;

public class LineSplitterTests
{
    // Line 2 and 6 are bad; 3 (blank), 4 (comment) and 7 (blanks only) are skipped but still counted.
    private const string MixedBody =
        "cpu,host=a usage_idle=97.5 1700000000000000000\n" +
        "bad line\r\n" +
        "\n" +
        "# a comment\n" +
        "mem,host=a used=2i 5\r\n" +
        "cpu f=\n" +
        " \t \n" +
        "disk,path=/ free=3u";

    private static readonly string[] MixedExpected =
    [
        "L1 m=cpu tags[host=a] fields[f:usage_idle=97.5] ts=1700000000000000000",
        "L2 error col=9 MissingFieldEquals",
        "L5 m=mem tags[host=a] fields[i:used=2] ts=5",
        "L6 error col=7 MissingFieldValue",
        "L8 m=disk tags[path=/] fields[u:free=3] ts=default",
    ];

    [Fact]
    public void TryNext_MixedBody_BadLinesGetTheirNumbersAndNeighboursStillParse()
    {
        List<string> results = ParseWithSplitter(Encoding.UTF8.GetBytes(MixedBody));

        Assert.Equal(MixedExpected, results);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(4096)]
    public void TryNext_MixedBodyAsSegments_SameResultsAsWholeBuffer(int segmentSize)
    {
        List<string> results = ParseWithSequence(Segmented(Encoding.UTF8.GetBytes(MixedBody), segmentSize));

        Assert.Equal(MixedExpected, results);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(1000)]
    public void TryNext_MixedBodyStreamedInChunks_SameResultsAsWholeBuffer(int chunkSize)
    {
        List<string> results = ParseStreaming(Encoding.UTF8.GetBytes(MixedBody), chunkSize);

        Assert.Equal(MixedExpected, results);
    }

    [Fact]
    public void TryNext_TrailingNewlineAndEmptyBody_NoExtraLines()
    {
        Assert.Equal(["L1 m=a tags[] fields[f:f=1] ts=default"], ParseWithSplitter("a f=1\n"u8.ToArray()));
        Assert.Empty(ParseWithSplitter([]));
        Assert.Empty(ParseWithSequence(Segmented([], 1)));
        Assert.Empty(ParseWithSplitter("\n\r\n# only comments\n"u8.ToArray()));
    }

    [Fact]
    public void TryNext_NotFinalBlock_LeavesUnterminatedLineUnconsumed()
    {
        byte[] body = "a f=1\nb f=2"u8.ToArray();
        var sequence = Segmented(body, 1);
        var reader = new LineSequenceReader(sequence, isFinalBlock: false);
        try
        {
            Assert.True(reader.TryNext(out ReadOnlySpan<byte> line, out int number, out bool tooLong));
            Assert.Equal("a f=1", Encoding.UTF8.GetString(line));
            Assert.Equal(1, number);
            Assert.False(tooLong);

            Assert.False(reader.TryNext(out _, out _, out _));
            Assert.Equal(6, sequence.Slice(0, reader.Consumed).Length);
            Assert.Equal(1, reader.LineNumber);
        }
        finally
        {
            reader.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(100)]
    public void TryNext_LineOverLimit_ReportedOnceAndSkippedWithNeighboursKept(int chunkSize)
    {
        byte[] body = "a f=1\nthis_line_is_far_too_long f=1\nb f=2\n"u8.ToArray();
        string[] expected =
        [
            "L1 m=a tags[] fields[f:f=1] ts=default",
            "L2 too long",
            "L3 m=b tags[] fields[f:f=2] ts=default",
        ];

        Assert.Equal(expected, ParseWithSequence(Segmented(body, 1), maxLineLength: 10));
        Assert.Equal(expected, ParseWithSequence(Segmented(body, body.Length), maxLineLength: 10));
        Assert.Equal(expected, ParseStreaming(body, chunkSize, maxLineLength: 10));
    }

    [Fact]
    public void TryNext_UnterminatedLastLineOverLimit_ReportedAsTooLong()
    {
        byte[] body = "a f=1\nxxxxxxxxxxxxxxxxxxxxxxxx"u8.ToArray();

        Assert.Equal(["L1 m=a tags[] fields[f:f=1] ts=default", "L2 too long"], ParseStreaming(body, 3, maxLineLength: 10));
    }

    [Fact]
    public void TryNext_LineExactlyAtLimit_IsReturned()
    {
        byte[] body = "abc f=1234\n"u8.ToArray();

        Assert.Equal(["L1 m=abc tags[] fields[f:f=1234] ts=default"], ParseStreaming(body, 1, maxLineLength: 10));
    }

    [Fact]
    public void TryNext_LongLineAcrossOneByteSegments_GrowsScratchAndParses()
    {
        string value = string.Concat(Enumerable.Repeat("x\\\"日", 2000));
        string escaped = value.Replace("\\", "\\\\").Replace("\"", "\\\"");
        byte[] body = Encoding.UTF8.GetBytes($"short f=1\nlong s=\"{escaped}\" 9\nafter f=2");

        List<string> results = ParseWithSequence(Segmented(body, 1));

        Assert.Equal(
            [
                "L1 m=short tags[] fields[f:f=1] ts=default",
                $"L2 m=long tags[] fields[s:s=\"{value}\"] ts=9",
                "L3 m=after tags[] fields[f:f=2] ts=default",
            ],
            results);
    }
}
