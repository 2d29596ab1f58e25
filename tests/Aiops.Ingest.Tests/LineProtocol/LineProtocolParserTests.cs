using System.Text;
using Aiops.Ingest.LineProtocol;
using Xunit.Abstractions;
using static Aiops.Ingest.Tests.LineProtocol.LineProtocolTestSupport;

namespace Aiops.Ingest.Tests.LineProtocol;

/// <summary>One table row: a single line, the expected rendering (see <see cref="LineProtocolTestSupport.Describe"/>) or error.</summary>
public sealed class LineCase : IXunitSerializable
{
    public LineCase()
    {
    }

    public LineCase(string name, string input, string expected, Precision precision = Precision.Nanoseconds, int tagLimit = 8, int fieldLimit = 8)
    {
        Name = name;
        Input = input;
        Expected = expected;
        Precision = precision;
        TagLimit = tagLimit;
        FieldLimit = fieldLimit;
    }

    public string Name { get; private set; } = string.Empty;

    public string Input { get; private set; } = string.Empty;

    public string Expected { get; private set; } = string.Empty;

    public Precision Precision { get; private set; }

    public int TagLimit { get; private set; } = 8;

    public int FieldLimit { get; private set; } = 8;

    public void Deserialize(IXunitSerializationInfo info)
    {
        Name = info.GetValue<string>(nameof(Name));
        Input = info.GetValue<string>(nameof(Input));
        Expected = info.GetValue<string>(nameof(Expected));
        Precision = (Precision)info.GetValue<int>(nameof(Precision));
        TagLimit = info.GetValue<int>(nameof(TagLimit));
        FieldLimit = info.GetValue<int>(nameof(FieldLimit));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Name), Name);
        info.AddValue(nameof(Input), Input);
        info.AddValue(nameof(Expected), Expected);
        info.AddValue(nameof(Precision), (int)Precision);
        info.AddValue(nameof(TagLimit), TagLimit);
        info.AddValue(nameof(FieldLimit), FieldLimit);
    }

    public override string ToString() => Name;
}

public class LineProtocolParserTests
{
    public static TheoryData<LineCase> Cases()
    {
        // Good lines: expected rendering is "m=<measurement> tags[k=v,...] fields[<kind>:<key>=<value>,...] ts=<ns|default>",
        // everything unescaped. Bad lines: "error col=<1-based column> <code>".
        var rows = new TheoryData<LineCase>
        {
            Good("minimal float field", "cpu value=1", "m=cpu tags[] fields[f:value=1] ts=default"),
            Good("tags and timestamp", "cpu,host=a,region=eu usage=12.5 1700000000000000000", "m=cpu tags[host=a,region=eu] fields[f:usage=12.5] ts=1700000000000000000"),
            Good("integer", "m x=123i", "m=m tags[] fields[i:x=123] ts=default"),
            Good("negative integer", "m x=-123i", "m=m tags[] fields[i:x=-123] ts=default"),
            Good("int64 minimum", "m x=-9223372036854775808i", "m=m tags[] fields[i:x=-9223372036854775808] ts=default"),
            Good("int64 maximum", "m x=9223372036854775807i", "m=m tags[] fields[i:x=9223372036854775807] ts=default"),
            Good("unsigned", "m x=123u", "m=m tags[] fields[u:x=123] ts=default"),
            Good("uint64 maximum", "m x=18446744073709551615u", "m=m tags[] fields[u:x=18446744073709551615] ts=default"),
            Good("float negative", "m x=-1.5", "m=m tags[] fields[f:x=-1.5] ts=default"),
            Good("float trailing dot", "m x=1.", "m=m tags[] fields[f:x=1] ts=default"),
            Good("float leading dot", "m x=.5", "m=m tags[] fields[f:x=0.5] ts=default"),
            Good("float negative leading dot", "m x=-.25", "m=m tags[] fields[f:x=-0.25] ts=default"),
            Good("float exponent", "m x=1e3", "m=m tags[] fields[f:x=1000] ts=default"),
            Good("float upper exponent negative", "m x=1E-3", "m=m tags[] fields[f:x=0.001] ts=default"),
            Good("float exponent plus", "m x=-2.5e+10", "m=m tags[] fields[f:x=-25000000000] ts=default"),
            Good("float negative zero", "m x=-0.0", "m=m tags[] fields[f:x=-0] ts=default"),
            Good("float many digits", "m x=123456789012345678901234567890", "m=m tags[] fields[f:x=1.2345678901234568E+29] ts=default"),
            Good("float max", "m x=1.7976931348623157e308", "m=m tags[] fields[f:x=1.7976931348623157E+308] ts=default"),
            Good("float subnormal", "m x=4.9e-324", "m=m tags[] fields[f:x=5E-324] ts=default"),
            Good("float underflow to zero", "m x=1e-400", "m=m tags[] fields[f:x=0] ts=default"),
            Good("float 17 significant digits", "m x=0.30000000000000004", "m=m tags[] fields[f:x=0.30000000000000004] ts=default"),
            Good("float large exponent beyond fast path", "m x=1.5e300", "m=m tags[] fields[f:x=1.5E+300] ts=default"),
            Good("booleans all spellings", "m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false", "m=m tags[] fields[b:a=true,b:b=true,b:c=true,b:d=true,b:e=true,b:f=false,b:g=false,b:h=false] ts=default"),
            Good("booleans False FALSE", "m i=False,j=FALSE", "m=m tags[] fields[b:i=false,b:j=false] ts=default"),
            Good("string", @"m s=""hello world""", @"m=m tags[] fields[s:s=""hello world""] ts=default"),
            Good("string escapes quote and backslash", @"m s=""a \""q\"" \\ b""", @"m=m tags[] fields[s:s=""a ""q"" \ b""] ts=default"),
            Good("string backslash before other char is literal", @"m s=""C:\temp\new""", @"m=m tags[] fields[s:s=""C:\temp\new""] ts=default"),
            Good("string with separators inside", @"m s=""a,b=c d"",n=1i", @"m=m tags[] fields[s:s=""a,b=c d"",i:n=1] ts=default"),
            Good("string empty", @"m s="""" 7", @"m=m tags[] fields[s:s=""""] ts=7"),
            Good("string ending in escaped backslash", @"m s=""end\\""", @"m=m tags[] fields[s:s=""end\""] ts=default"),
            Good("measurement escaped comma and space", @"c\,p\ u f=1", "m=c,p u tags[] fields[f:f=1] ts=default"),
            Good("measurement with unescaped equals", "c=pu f=1", "m=c=pu tags[] fields[f:f=1] ts=default"),
            Good("tag key and value escapes", @"m,k\ 1\,x\=y=v\ 1\,2\=3 f=1", "m=m tags[k 1,x=y=v 1,2=3] fields[f:f=1] ts=default"),
            Good("field key escapes", @"m f\ 1\,\=x=1", "m=m tags[] fields[f:f 1,=x=1] ts=default"),
            Good("backslash before other char is literal", @"m\x,t\a=b\c f\d=1", @"m=m\x tags[t\a=b\c] fields[f:f\d=1] ts=default"),
            Good("literal backslash then escaped comma", @"a\\,b f=1", @"m=a\,b tags[] fields[f:f=1] ts=default"),
            Good("unicode everywhere", "日本,ホスト=é 温度=21.5,s=\"emoji 😀\" 1", "m=日本 tags[ホスト=é] fields[f:温度=21.5,s:s=\"emoji 😀\"] ts=1"),
            Good("multiple spaces between sections", "cpu,host=a   f=1   123  ", "m=cpu tags[host=a] fields[f:f=1] ts=123"),
            Good("leading spaces", "   cpu f=1", "m=cpu tags[] fields[f:f=1] ts=default"),
            Good("leading tab belongs to the measurement", "\tcpu f=1", "m=\tcpu tags[] fields[f:f=1] ts=default"),
            Good("tab starts a field key", "cpu \tf=1", "m=cpu tags[] fields[f:\tf=1] ts=default"),
            Good("tabs inside tag value", "cpu,t=a\tb f=1", "m=cpu tags[t=a\tb] fields[f:f=1] ts=default"),
            Good("trailing space without timestamp", "cpu f=1 ", "m=cpu tags[] fields[f:f=1] ts=default"),
            Good("negative timestamp", "m f=1 -1", "m=m tags[] fields[f:f=1] ts=-1"),
            Good("duplicate fields are kept in order", "m f=1,f=2", "m=m tags[] fields[f:f=1,f:f=2] ts=default"),
            Good("carriage return trimmed", "m f=1 5\r", "m=m tags[] fields[f:f=1] ts=5"),
            Good("precision seconds", "m f=1 5", "m=m tags[] fields[f:f=1] ts=5000000000", Precision.Seconds),
            Good("precision milliseconds", "m f=1 5", "m=m tags[] fields[f:f=1] ts=5000000", Precision.Milliseconds),
            Good("precision microseconds", "m f=1 5", "m=m tags[] fields[f:f=1] ts=5000", Precision.Microseconds),
            Good("precision ms at the ns limit", "m f=1 9223372036854", "m=m tags[] fields[f:f=1] ts=9223372036854000000", Precision.Milliseconds),
            Good("tags exactly at limit", "m,a=1,b=2 f=1", "m=m tags[a=1,b=2] fields[f:f=1] ts=default", tagLimit: 2),
            Good("fields exactly at limit", "m a=1,b=2", "m=m tags[] fields[f:a=1,f:b=2] ts=default", fieldLimit: 2),
            Good("hash inside a line is data", "m,t=#x f=1", "m=m tags[t=#x] fields[f:f=1] ts=default"),

            Bad("measurement only", "cpu", 4, LineErrorCode.MissingFields),
            Bad("measurement and space only", "cpu ", 5, LineErrorCode.MissingFields),
            Bad("tags without fields", "cpu,host=a", 11, LineErrorCode.MissingFields),
            Bad("tags and space without fields", "cpu,host=a ", 12, LineErrorCode.MissingFields),
            Bad("escaped space swallows the separator", @"m\ f=1", 7, LineErrorCode.MissingFields),
            Bad("empty measurement", ",host=a f=1", 1, LineErrorCode.MissingMeasurement),
            Bad("empty tag key", "cpu,=a f=1", 5, LineErrorCode.EmptyTagKey),
            Bad("comma then space", "cpu, f=1", 5, LineErrorCode.EmptyTagKey),
            Bad("tag without equals", "cpu,host f=1", 9, LineErrorCode.MissingTagEquals),
            Bad("tag without equals at end", "cpu,host", 9, LineErrorCode.MissingTagEquals),
            Bad("empty tag value", "cpu,host= f=1", 10, LineErrorCode.EmptyTagValue),
            Bad("empty tag value before comma", "cpu,host=,r=1 f=1", 10, LineErrorCode.EmptyTagValue),
            Bad("unescaped equals in tag value", "cpu,host=a=b f=1", 11, LineErrorCode.UnescapedEqualsInTagValue),
            Bad("too many tags", "cpu,a=1,b=2,c=3 f=1", 13, LineErrorCode.TooManyTags, tagLimit: 2),
            Bad("empty field key", "cpu =1", 5, LineErrorCode.EmptyFieldKey),
            Bad("trailing comma in field set", "cpu f=1,", 9, LineErrorCode.EmptyFieldKey),
            Bad("double comma in field set", "cpu f=1,,g=2", 9, LineErrorCode.EmptyFieldKey),
            Bad("field without equals", "cpu f", 6, LineErrorCode.MissingFieldEquals),
            Bad("field without equals before space", "cpu f 1", 6, LineErrorCode.MissingFieldEquals),
            Bad("field without value", "cpu f=", 7, LineErrorCode.MissingFieldValue),
            Bad("field without value before space", "cpu f= 1", 7, LineErrorCode.MissingFieldValue),
            Bad("field without value before comma", "cpu f=,g=1", 7, LineErrorCode.MissingFieldValue),
            Bad("bare word value", "cpu f=abc", 7, LineErrorCode.InvalidFieldValue),
            Bad("NaN rejected", "cpu f=NaN", 7, LineErrorCode.InvalidFieldValue),
            Bad("Inf rejected", "cpu f=Inf", 7, LineErrorCode.InvalidFieldValue),
            Bad("negative Inf rejected", "cpu f=-Inf", 7, LineErrorCode.InvalidFieldValue),
            Bad("plus sign rejected", "cpu f=+1", 7, LineErrorCode.InvalidFieldValue),
            Bad("two dots", "cpu a=1,f=1.5.2", 11, LineErrorCode.InvalidFieldValue),
            Bad("exponent without digits", "cpu f=1e", 7, LineErrorCode.InvalidFieldValue),
            Bad("exponent sign without digits", "cpu f=1e+", 7, LineErrorCode.InvalidFieldValue),
            Bad("lone minus", "cpu f=-", 7, LineErrorCode.InvalidFieldValue),
            Bad("lone dot", "cpu f=.", 7, LineErrorCode.InvalidFieldValue),
            Bad("number with letter", "cpu f=1x", 7, LineErrorCode.InvalidFieldValue),
            Bad("double minus", "cpu f=--1", 7, LineErrorCode.InvalidFieldValue),
            Bad("tab is not a section separator", "cpu f=1\t123", 7, LineErrorCode.InvalidFieldValue),
            Bad("float overflow", "cpu f=1e400", 7, LineErrorCode.FloatOutOfRange),
            Bad("negative float overflow", "cpu f=-1e400", 7, LineErrorCode.FloatOutOfRange),
            Bad("integer with fraction", "cpu f=1.5i", 7, LineErrorCode.InvalidFieldValue),
            Bad("integer suffix only", "cpu f=-i", 7, LineErrorCode.InvalidFieldValue),
            Bad("integer overflow", "cpu f=9223372036854775808i", 7, LineErrorCode.IntegerOutOfRange),
            Bad("negative integer overflow", "cpu f=-9223372036854775809i", 7, LineErrorCode.IntegerOutOfRange),
            Bad("integer far overflow", "cpu f=99999999999999999999999i", 7, LineErrorCode.IntegerOutOfRange),
            Bad("long integer with letter", "cpu f=9999999999999999999999x9i", 7, LineErrorCode.InvalidFieldValue),
            Bad("unsigned overflow", "cpu f=18446744073709551616u", 7, LineErrorCode.UnsignedOutOfRange),
            Bad("negative unsigned", "cpu f=-1u", 7, LineErrorCode.InvalidFieldValue),
            Bad("boolean prefix", "cpu f=tru", 7, LineErrorCode.InvalidBoolean),
            Bad("boolean mixed case", "cpu f=TRue", 7, LineErrorCode.InvalidBoolean),
            Bad("boolean with suffix", "cpu f=falsey", 7, LineErrorCode.InvalidBoolean),
            Bad("unterminated string", @"cpu f=""abc", 7, LineErrorCode.UnterminatedString),
            Bad("unterminated string ending in escaped quote", @"cpu f=""abc\""", 7, LineErrorCode.UnterminatedString),
            Bad("text after string", @"cpu f=""a""b", 10, LineErrorCode.UnexpectedCharacterAfterField),
            Bad("word timestamp", "cpu f=1 abc", 9, LineErrorCode.InvalidTimestamp),
            Bad("timestamp with letter", "cpu f=1 12a", 9, LineErrorCode.InvalidTimestamp),
            Bad("fractional timestamp", "cpu f=1 1.5", 9, LineErrorCode.InvalidTimestamp),
            Bad("minus only timestamp", "cpu f=1 -", 9, LineErrorCode.InvalidTimestamp),
            Bad("timestamp overflow", "cpu f=1 9223372036854775808", 9, LineErrorCode.TimestampOutOfRange),
            Bad("timestamp overflow after precision", "cpu f=1 9223372036855", 9, LineErrorCode.TimestampOutOfRange, Precision.Milliseconds),
            Bad("seconds timestamp overflow", "cpu f=1 -9223372036854775807", 9, LineErrorCode.TimestampOutOfRange, Precision.Seconds),
            Bad("tab before timestamp", "cpu f=1 \t5", 9, LineErrorCode.InvalidTimestamp),
            Bad("tab after timestamp", "cpu f=1 5\t", 9, LineErrorCode.InvalidTimestamp),
            Bad("text after timestamp", "cpu f=1 123 456", 13, LineErrorCode.TrailingGarbage),
            Bad("word after timestamp", "cpu f=1 123 x", 13, LineErrorCode.TrailingGarbage),
            Bad("too many fields", "m a=1,b=2,c=3", 11, LineErrorCode.TooManyFields, fieldLimit: 2),
        };
        return rows;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParseLine_TableRow_MatchesExpectedOnWholeBufferAndOneByteSegments(LineCase row)
    {
        byte[] body = Encoding.UTF8.GetBytes(row.Input);

        List<string> whole = ParseWithSplitter(body, row.Precision, row.TagLimit, row.FieldLimit);
        List<string> oneByte = ParseWithSequence(Segmented(body, 1), row.Precision, row.TagLimit, row.FieldLimit);

        Assert.Equal(["L1 " + row.Expected], whole);
        Assert.Equal(whole, oneByte);
    }

    [Fact]
    public void TryParseLine_InvalidUtf8_ReportsColumnOfBadByte()
    {
        byte[] line = [.. "cpu s=\"a"u8, 0xFF, .. "\""u8];

        string result = ParseOne(line, Precision.Nanoseconds, 8, 8);

        Assert.Equal("error col=9 InvalidUtf8", result);
    }

    [Fact]
    public void TryParseLine_CommentLineGivenDirectly_IsInvalidMeasurement()
    {
        Assert.Equal("error col=1 InvalidMeasurement", ParseOne("#cpu f=1"u8, Precision.Nanoseconds, 8, 8));
    }

    [Fact]
    public void TryParseLine_BlankLineGivenDirectly_IsMissingMeasurement()
    {
        Assert.Equal("error col=3 MissingMeasurement", ParseOne("  "u8, Precision.Nanoseconds, 8, 8));
    }

    [Fact]
    public void TryParseLine_ValidLine_ExposesRawTokensAndOffsets()
    {
        ReadOnlySpan<byte> line = @"  c\ pu,h\=1=a\,b f=1.5,s=""x\""y"" 42"u8;
        Span<TagToken> tags = new TagToken[4];
        Span<FieldToken> fields = new FieldToken[4];

        bool ok = LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, 0, out ParsedLine parsed, out _);

        Assert.True(ok);
        Assert.Equal(2, parsed.MeasurementStart);
        Assert.True(parsed.MeasurementRaw.SequenceEqual(@"c\ pu"u8));
        Assert.True(parsed.MeasurementEscaped);
        Assert.True(parsed.TagKeyRaw(0).SequenceEqual(@"h\=1"u8));
        Assert.True(parsed.TagValueRaw(0).SequenceEqual(@"a\,b"u8));
        Assert.True(parsed.Tags[0].KeyEscaped && parsed.Tags[0].ValueEscaped);
        Assert.True(parsed.FieldKeyRaw(0).SequenceEqual("f"u8));
        Assert.False(parsed.Fields[0].KeyEscaped);
        Assert.True(parsed.FieldStringRaw(1).SequenceEqual(@"x\""y"u8));
        Assert.True(parsed.Fields[1].StringEscaped);
        Assert.Equal(line.IndexOf(" 42"u8), parsed.FieldSetEnd);
        Assert.True(parsed.HasTimestamp);
        Assert.Equal(42, parsed.TimestampNs);
    }

    [Fact]
    public void TryParseLine_LiteralBackslashOnly_IsNotMarkedEscaped()
    {
        Span<TagToken> tags = new TagToken[1];
        Span<FieldToken> fields = new FieldToken[1];

        bool ok = LineProtocolParser.TryParseLine(@"m\x,t=a\b s=""c\d"""u8, tags, fields, Precision.Nanoseconds, 0, out ParsedLine parsed, out _);

        Assert.True(ok);
        Assert.False(parsed.MeasurementEscaped);
        Assert.False(parsed.Tags[0].ValueEscaped);
        Assert.False(parsed.Fields[0].StringEscaped);
    }

    [Fact]
    public void LineError_EveryCode_HasDistinctMessage()
    {
        var messages = new HashSet<string>();
        foreach (LineErrorCode code in Enum.GetValues<LineErrorCode>())
        {
            string message = new LineError(1, code).Message;
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.NotEqual("unknown error", message);
            Assert.True(messages.Add(message), $"duplicate message for {code}");
        }
    }

    private static LineCase Good(string name, string input, string expected, Precision precision = Precision.Nanoseconds, int tagLimit = 8, int fieldLimit = 8) =>
        new(name, input, expected, precision, tagLimit, fieldLimit);

    private static LineCase Bad(string name, string input, int column, LineErrorCode code, Precision precision = Precision.Nanoseconds, int tagLimit = 8, int fieldLimit = 8) =>
        new(name, input, $"error col={column} {code}", precision, tagLimit, fieldLimit);
}
