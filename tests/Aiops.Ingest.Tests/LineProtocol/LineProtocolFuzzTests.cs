using System.Buffers;
using Aiops.Ingest.LineProtocol;
using static Aiops.Ingest.Tests.LineProtocol.LineProtocolTestSupport;

namespace Aiops.Ingest.Tests.LineProtocol;

public class LineProtocolFuzzTests
{
    // Bytes that matter to the grammar, plus multi-byte UTF-8 fragments and invalid bytes.
    private static readonly byte[] Interesting = [.. " ,=\"\\#\t\r-.eEiutTfF0123456789"u8, 0xC3, 0xA9, 0xFF, 0x80];

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void TryParseLine_MutatedTelegrafLines_NeverThrowsAndNormalizedFormReparsesIdentically(int seed)
    {
        var random = new Random(seed);
        byte[] sample = Aiops.Benchmarks.TelegrafLines.Build(50, seed);
        var lines = new List<byte[]>();
        var splitter = new LineSplitter(sample);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out _))
        {
            lines.Add(line.ToArray());
        }

        int valid = 0;
        int invalid = 0;
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            byte[] line = Mutate(random, lines[random.Next(lines.Count)]);
            string first = ParseOne(line, Precision.Nanoseconds, 8, 12);
            if (first.StartsWith("error ", StringComparison.Ordinal))
            {
                int column = int.Parse(first.AsSpan(10, first.IndexOf(' ', 10) - 10), System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(column, 1, line.Length + 1);
                invalid++;
                continue;
            }

            valid++;
            string normalized = Normalize(line);
            string second = ParseOne(System.Text.Encoding.UTF8.GetBytes(normalized.TrimEnd('\n')), Precision.Nanoseconds, 8, 12);
            Assert.Equal(WithExplicitTimestamp(first), second);
        }

        // The mutations must exercise both outcomes, or this test proves little.
        Assert.True(valid > 200, $"only {valid} valid mutations");
        Assert.True(invalid > 200, $"only {invalid} invalid mutations");
    }

    private static byte[] Mutate(Random random, byte[] line)
    {
        var bytes = new List<byte>(line);
        int edits = random.Next(1, 4);
        for (int i = 0; i < edits; i++)
        {
            int position = random.Next(bytes.Count);
            byte value = Interesting[random.Next(Interesting.Length)];
            switch (random.Next(3))
            {
                case 0:
                    bytes[position] = value;
                    break;
                case 1:
                    bytes.Insert(position, value);
                    break;
                default:
                    bytes.RemoveAt(position);
                    break;
            }
        }

        // The splitter would have cut at a newline and trimmed a final '\r'; keep to single-line inputs.
        bytes.RemoveAll(b => b == (byte)'\n');
        while (bytes.Count > 0 && bytes[^1] == (byte)'\r')
        {
            bytes.RemoveAt(bytes.Count - 1);
        }

        return [.. bytes];
    }

    private static string Normalize(byte[] line)
    {
        var output = new ArrayBufferWriter<byte>();
        Span<TagToken> tags = new TagToken[8];
        Span<FieldToken> fields = new FieldToken[12];
        Assert.True(LineProtocolParser.TryParseLine(line, tags, fields, Precision.Nanoseconds, DefaultTimestampNs, out ParsedLine parsed, out _));
        LineProtocolWriter.WriteNormalized(parsed, output);
        return System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string WithExplicitTimestamp(string description) =>
        description.EndsWith(" ts=default", StringComparison.Ordinal)
            ? description[..^"default".Length] + DefaultTimestampNs.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : description;
}
