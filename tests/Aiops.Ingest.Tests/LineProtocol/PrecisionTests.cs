using Aiops.Ingest.LineProtocol;

namespace Aiops.Ingest.Tests.LineProtocol;

public class PrecisionTests
{
    [Theory]
    [InlineData(null, Precision.Nanoseconds)]
    [InlineData("", Precision.Nanoseconds)]
    [InlineData("ns", Precision.Nanoseconds)]
    [InlineData("n", Precision.Nanoseconds)]
    [InlineData("us", Precision.Microseconds)]
    [InlineData("u", Precision.Microseconds)]
    [InlineData("ms", Precision.Milliseconds)]
    [InlineData("s", Precision.Seconds)]
    public void TryParse_KnownName_ReturnsPrecision(string? name, Precision expected)
    {
        Assert.True(PrecisionNames.TryParse(name, out Precision precision));
        Assert.Equal(expected, precision);
    }

    [Theory]
    [InlineData("h")]
    [InlineData("m")]
    [InlineData("NS")]
    [InlineData("sec")]
    [InlineData(" s")]
    public void TryParse_UnknownName_ReturnsFalse(string name)
    {
        Assert.False(PrecisionNames.TryParse(name, out _));
    }

    [Theory]
    [InlineData(Precision.Nanoseconds, 1_700_000_000_000_000_000L, 1_700_000_000_000_000_000L)]
    [InlineData(Precision.Microseconds, 1_700_000_000_000_000L, 1_700_000_000_000_000_000L)]
    [InlineData(Precision.Milliseconds, 1_700_000_000_000L, 1_700_000_000_000_000_000L)]
    [InlineData(Precision.Seconds, 1_700_000_000L, 1_700_000_000_000_000_000L)]
    [InlineData(Precision.Seconds, -1L, -1_000_000_000L)]
    [InlineData(Precision.Seconds, 9_223_372_036L, 9_223_372_036_000_000_000L)]
    [InlineData(Precision.Microseconds, -9_223_372_036_854_775L, -9_223_372_036_854_775_000L)]
    public void TryToNanoseconds_InRange_Multiplies(Precision precision, long value, long expected)
    {
        Assert.True(PrecisionNames.TryToNanoseconds(value, precision, out long ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData(Precision.Seconds, 9_223_372_037L)]
    [InlineData(Precision.Seconds, -9_223_372_037L)]
    [InlineData(Precision.Milliseconds, long.MaxValue)]
    [InlineData(Precision.Microseconds, 9_223_372_036_854_776L)]
    public void TryToNanoseconds_OutOfRange_ReturnsFalse(Precision precision, long value)
    {
        Assert.False(PrecisionNames.TryToNanoseconds(value, precision, out _));
    }

    [Theory]
    [InlineData("s", 1_700_000_000L)]
    [InlineData("ms", 1_700_000_000_123L)]
    [InlineData("us", 1_700_000_000_123_456L)]
    [InlineData("ns", 1_700_000_000_123_456_789L)]
    public void TryParseLine_TimestampInPrecision_ConvertedToSameInstantInNanoseconds(string name, long timestamp)
    {
        Assert.True(PrecisionNames.TryParse(name, out Precision precision));
        byte[] line = System.Text.Encoding.ASCII.GetBytes($"m f=1 {timestamp}");
        Span<TagToken> tags = new TagToken[1];
        Span<FieldToken> fields = new FieldToken[1];

        Assert.True(LineProtocolParser.TryParseLine(line, tags, fields, precision, 0, out ParsedLine parsed, out _));

        Assert.Equal(timestamp * PrecisionNames.NanosecondsPerUnit(precision), parsed.TimestampNs);
        Assert.Equal(1_700_000_000L, parsed.TimestampNs / 1_000_000_000L);
    }
}
