using System.Buffers;
using System.Globalization;
using System.Text;
using Aiops.Ingest.LineProtocol;
using static Aiops.Ingest.Tests.LineProtocol.LineProtocolTestSupport;

namespace Aiops.Ingest.Tests.LineProtocol;

public class LineProtocolWriterTests
{
    [Fact]
    public void EndLine_AllFieldKinds_WritesEscapedLine()
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new LineProtocolWriter(output);

        writer.WriteMeasurement("c,p u=");
        writer.WriteTag("k=1", "v 1,2");
        writer.WriteField("f", 1.5);
        writer.WriteField("i", -3L);
        writer.WriteFieldUnsigned("u", 7UL);
        writer.WriteField("b", true);
        writer.WriteStringField("s", "a\"b\\c,d=e f");
        writer.WriteTimestamp(123);
        writer.EndLine();
        writer.WriteMeasurement("m");
        writer.WriteField("x", 1e21);
        writer.EndLine();

        Assert.Equal(
            "c\\,p\\ u=,k\\=1=v\\ 1\\,2 f=1.5,i=-3i,u=7u,b=true,s=\"a\\\"b\\\\c,d=e f\" 123\nm x=1E+21\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void WriteField_NonFiniteFloat_ThrowsAndLeavesOutputUntouched(double value)
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new LineProtocolWriter(output);
        writer.WriteMeasurement("m");
        writer.WriteField("ok", 1.0);

        Assert.Throws<ArgumentException>(() => writer.WriteField("bad", value));
        writer.EndLine();

        Assert.Equal("m ok=1\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    public static TheoryData<string, Action<LineProtocolWriter>> RejectedValues() => new()
    {
        { "empty measurement", w => w.WriteMeasurement(string.Empty) },
        { "measurement starting with #", w => w.WriteMeasurement("#m") },
        { "measurement with newline", w => w.WriteMeasurement("a\nb") },
        { "measurement ending with backslash", w => w.WriteMeasurement("m\\") },
        { "unpaired surrogate", w => w.WriteMeasurement("a\uD800b") },
        { "empty tag key", w => { w.WriteMeasurement("m"); w.WriteTag(string.Empty, "v"); } },
        { "empty tag value", w => { w.WriteMeasurement("m"); w.WriteTag("k", string.Empty); } },
        { "tag value ending with backslash", w => { w.WriteMeasurement("m"); w.WriteTag("k", "C:\\"); } },
        { "empty field key", w => { w.WriteMeasurement("m"); w.WriteField(string.Empty, 1L); } },
        { "string field with newline", w => { w.WriteMeasurement("m"); w.WriteStringField("s", "a\nb"); } },
    };

    [Theory]
    [MemberData(nameof(RejectedValues))]
    public void Write_InvalidValue_ThrowsArgumentExceptionAndWritesNothing(string name, Action<LineProtocolWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new LineProtocolWriter(output);

        Assert.Throws<ArgumentException>(() => write(writer));
        writer.DiscardLine();
        writer.WriteMeasurement("good");
        writer.WriteField("f", 1L);
        writer.EndLine();

        Assert.True(name.Length > 0);
        Assert.Equal("good f=1i\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Write_OutOfOrder_ThrowsInvalidOperation()
    {
        using var writer = new LineProtocolWriter(new ArrayBufferWriter<byte>());

        Assert.Throws<InvalidOperationException>(() => writer.WriteField("f", 1.0));
        Assert.Throws<InvalidOperationException>(() => writer.EndLine());
        writer.WriteMeasurement("m");
        Assert.Throws<InvalidOperationException>(() => writer.EndLine());
        Assert.Throws<InvalidOperationException>(() => writer.WriteTimestamp(1));
        writer.WriteField("f", 1.0);
        Assert.Throws<InvalidOperationException>(() => writer.WriteTag("k", "v"));
        writer.WriteTimestamp(1);
        Assert.Throws<InvalidOperationException>(() => writer.WriteField("g", 1.0));
    }

    [Theory]
    [InlineData("  cpu,host=a f=1", Precision.Nanoseconds, "cpu,host=a f=1 42\n")]
    [InlineData("cpu f=1 5", Precision.Seconds, "cpu f=1 5000000000\n")]
    [InlineData(@"c\ pu,t=a\,b s=""x y"",g=2i   7   ", Precision.Milliseconds, @"c\ pu,t=a\,b s=""x y"",g=2i 7000000" + "\n")]
    public void WriteNormalized_ValidLine_CopiesFieldSetAndWritesNanosecondTimestamp(string line, Precision precision, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        Span<TagToken> tags = new TagToken[4];
        Span<FieldToken> fields = new FieldToken[4];
        Assert.True(LineProtocolParser.TryParseLine(Encoding.UTF8.GetBytes(line), tags, fields, precision, 42, out ParsedLine parsed, out _));

        LineProtocolWriter.WriteNormalized(parsed, output);

        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(20251125)]
    public void WriteThenParse_RandomPoints_RoundTripExactly(int seed)
    {
        const int Points = 1500;
        var random = new Random(seed);
        var expected = new List<string>(Points);
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new LineProtocolWriter(output))
        {
            for (int i = 0; i < Points; i++)
            {
                expected.Add($"L{i + 1} {WriteRandomPoint(random, writer)}");
            }
        }

        byte[] body = output.WrittenSpan.ToArray();
        List<string> whole = ParseWithSplitter(body, tagLimit: 8, fieldLimit: 8);
        List<string> segmented = ParseWithSequence(Segmented(body, random.Next(1, 300)), tagLimit: 8, fieldLimit: 8);

        Assert.Equal(Points, whole.Count);
        for (int i = 0; i < Points; i++)
        {
            Assert.Equal(expected[i], whole[i]);
        }

        Assert.Equal(whole, segmented);
    }

    // Text elements chosen to hit every escape rule plus multi-byte UTF-8 (2, 3 and 4 bytes).
    private static readonly string[] Alphabet =
    [
        "a", "b", "Z", "0", "9", "_", "-", ".", " ", ",", "=", "\"", "\\", "#", "\t", "é", "日", "本", "😀", "\\,", "\\ ", "\\=", "\\\"",
    ];

    private static string RandomText(Random random, int minLength)
    {
        int length = random.Next(minLength, 12);
        var text = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            text.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return text.ToString();
    }

    /// <summary>Measurement, keys and tag values: non-empty and not ending in a backslash (unrepresentable).</summary>
    private static string RandomName(Random random)
    {
        string text = RandomText(random, 1);
        return text.EndsWith('\\') ? text + "x" : text;
    }

    private static double RandomDouble(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                double[] specials = [0.0, -0.0, double.MaxValue, double.MinValue, double.Epsilon, 1e-300, 0.1, 123456.789, -1.5, 1e21];
                return specials[random.Next(specials.Length)];
            case 1:
                return Math.Round((random.NextDouble() - 0.5) * 1e6, random.Next(0, 8));
            case 2:
                return random.Next(-1000, 1000);
            default:
                while (true)
                {
                    double value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
                    if (double.IsFinite(value))
                    {
                        return value;
                    }
                }
        }
    }

    /// <summary>Writes one random point and returns what the parser should render for it.</summary>
    private static string WriteRandomPoint(Random random, LineProtocolWriter writer)
    {
        string measurement = RandomName(random);
        if (measurement[0] == '#')
        {
            measurement = "m" + measurement;
        }

        writer.WriteMeasurement(measurement);
        var text = new StringBuilder("m=").Append(measurement).Append(" tags[");
        int tagCount = random.Next(0, 6);
        for (int i = 0; i < tagCount; i++)
        {
            string key = RandomName(random);
            string value = RandomName(random);
            writer.WriteTag(key, value);
            text.Append(i > 0 ? "," : string.Empty).Append(key).Append('=').Append(value);
        }

        text.Append("] fields[");
        int fieldCount = random.Next(1, 7);
        for (int i = 0; i < fieldCount; i++)
        {
            string key = RandomName(random);
            text.Append(i > 0 ? "," : string.Empty);
            switch (random.Next(5))
            {
                case 0:
                    double number = RandomDouble(random);
                    writer.WriteField(key, number);
                    text.Append("f:").Append(key).Append('=').Append(number.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case 1:
                    long integer = random.Next(3) == 0 ? (random.Next(2) == 0 ? long.MinValue : long.MaxValue) : random.NextInt64(long.MinValue, long.MaxValue);
                    writer.WriteField(key, integer);
                    text.Append("i:").Append(key).Append('=').Append(integer.ToString(CultureInfo.InvariantCulture));
                    break;
                case 2:
                    ulong unsigned = random.Next(4) == 0 ? ulong.MaxValue : ((ulong)random.NextInt64() << 1) | (uint)random.Next(2);
                    writer.WriteFieldUnsigned(key, unsigned);
                    text.Append("u:").Append(key).Append('=').Append(unsigned.ToString(CultureInfo.InvariantCulture));
                    break;
                case 3:
                    bool flag = random.Next(2) == 0;
                    writer.WriteField(key, flag);
                    text.Append("b:").Append(key).Append('=').Append(flag ? "true" : "false");
                    break;
                default:
                    string value = RandomText(random, 0);
                    writer.WriteStringField(key, value);
                    text.Append("s:").Append(key).Append("=\"").Append(value).Append('"');
                    break;
            }
        }

        text.Append("] ts=");
        if (random.Next(2) == 0)
        {
            long timestamp = random.NextInt64(long.MinValue, long.MaxValue);
            writer.WriteTimestamp(timestamp);
            text.Append(timestamp.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append("default");
        }

        writer.EndLine();
        return text.ToString();
    }
}
