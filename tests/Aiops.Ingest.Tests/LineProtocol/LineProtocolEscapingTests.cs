using System.Text;
using Aiops.Ingest.LineProtocol;
using Context = Aiops.Ingest.LineProtocol.LineProtocolEscaping.Context;

namespace Aiops.Ingest.Tests.LineProtocol;

public class LineProtocolEscapingTests
{
    [Theory]
    [InlineData(@"a\,b\ c", Context.Measurement, "a,b c")]
    [InlineData(@"a\=b", Context.Measurement, @"a\=b")]
    [InlineData(@"a\=b\,c\ d", Context.TagOrFieldKey, "a=b,c d")]
    [InlineData(@"a\""b\\c", Context.StringField, @"a""b\c")]
    [InlineData(@"a\,b", Context.StringField, @"a\,b")]
    [InlineData(@"a\\,b", Context.TagOrFieldKey, @"a\,b")]
    [InlineData(@"end\", Context.TagOrFieldKey, @"end\")]
    [InlineData(@"\\\\", Context.StringField, @"\\")]
    [InlineData("", Context.Measurement, "")]
    public void Unescape_Context_ReplacesOnlyThatContextsEscapes(string raw, Context context, string expected)
    {
        byte[] source = Encoding.UTF8.GetBytes(raw);
        var destination = new byte[source.Length];

        int written = LineProtocolEscaping.Unescape(source, destination, context);

        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
        Assert.Equal(expected, LineProtocolEscaping.GetString(source, escaped: true, context));
    }

    [Fact]
    public void GetString_NotEscaped_DecodesVerbatim()
    {
        Assert.Equal(@"é\,x", LineProtocolEscaping.GetString(Encoding.UTF8.GetBytes(@"é\,x"), escaped: false, Context.Measurement));
    }

    [Fact]
    public void GetString_LongEscapedToken_UsesPooledBuffer()
    {
        string raw = string.Concat(Enumerable.Repeat(@"ab\,", 200));

        string result = LineProtocolEscaping.GetString(Encoding.UTF8.GetBytes(raw), escaped: true, Context.TagOrFieldKey);

        Assert.Equal(string.Concat(Enumerable.Repeat("ab,", 200)), result);
    }

    [Fact]
    public void Unescape_DestinationTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => LineProtocolEscaping.Unescape("abc"u8, new byte[2], Context.Measurement));
    }
}
