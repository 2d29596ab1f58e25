using System.Text;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;

namespace Aiops.Ingest.Tests.Grpc;

/// <summary>The UTF-8 overloads the gRPC decoder writes with must give what the UTF-16 ones give, byte for byte and error for error.</summary>
public class LineProtocolWriterUtf8Tests
{
    private static readonly string[] Tokens =
    [
        "cpu", "a b", "a,b", "a=b", "a\"b", "a\\b", "\\a", "é日本😀", " ", ",", "=", "#x", "x#", "a\nb", "a\\", "", "\r", "a\\ b", "\"",
    ];

    [Fact]
    public void WriteMethods_EveryTokenInEveryPosition_SameOutputOrSameErrorAsUtf16()
    {
        foreach (var a in Tokens)
        {
            foreach (var b in Tokens)
            {
                Same(
                    w =>
                    {
                        w.WriteMeasurement(a);
                        w.WriteField("f", 1L);
                    },
                    w =>
                    {
                        w.WriteMeasurement(Encoding.UTF8.GetBytes(a));
                        w.WriteField("f"u8, 1L);
                    },
                    $"measurement [{a}]");
                Same(w => Tag(w, a, b, utf8: false), w => Tag(w, a, b, utf8: true), $"tag [{a}]=[{b}]");
                Same(w => Fields(w, a, b, utf8: false), w => Fields(w, a, b, utf8: true), $"fields [{a}] [{b}]");
            }
        }
    }

    [Fact]
    public void WriteField_RandomDoubles_FormatsExactlyAsDoubleTryFormat()
    {
        var random = new Random(1125);
        var values = new List<double>
        {
            1e-4, 0.0001, 0.00011, 9.9999e-5, 1e15, 999_999_999_999_999.0, 99_999_999_999_999.9, 123_456_789_012_345.6, 0.1 + 0.2,
            1.0 / 3, 2.5, -2.5, 0.5, 1, -1, 100, 1e14, 5e-324, double.MaxValue, double.MinValue, -0.0, 0.0, 4503599627370496.5,
            0.000123456, 0.1234567, 12.345678, 43.123, -43.123,
        };
        for (int i = 0; i < 100_000; i++)
        {
            int k = random.Next(0, 9);
            values.Add(random.NextInt64(-10_000_000_000_000_000, 10_000_000_000_000_000) / Math.Pow(10, k + random.Next(0, 4)));
            values.Add(Math.Round(random.NextDouble() * 100, random.Next(0, 8)));
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()));
            values.Add((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 17)));
        }

        using var buffer = new PooledBuffer(64);
        using var writer = new LineProtocolWriter(buffer);
        int compared = 0;
        foreach (var value in values)
        {
            if (!double.IsFinite(value))
            {
                continue;
            }

            buffer.Clear();
            writer.WriteMeasurement("m"u8);
            writer.WriteField("v"u8, value);
            writer.EndLine();
            var expected = $"m v={value.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n";
            Assert.True(expected == Encoding.UTF8.GetString(buffer.WrittenSpan), $"{value:R} (bits {BitConverter.DoubleToInt64Bits(value):X}): expected {expected}, got {Encoding.UTF8.GetString(buffer.WrittenSpan)}");
            compared++;
        }

        Assert.True(compared > 390_000);
    }

    private static void Tag(LineProtocolWriter writer, string key, string value, bool utf8)
    {
        if (utf8)
        {
            writer.WriteMeasurement("m"u8);
            writer.WriteTag(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            writer.WriteField("f"u8, 1L);
        }
        else
        {
            writer.WriteMeasurement("m");
            writer.WriteTag(key, value);
            writer.WriteField("f", 1L);
        }
    }

    private static void Fields(LineProtocolWriter writer, string key, string value, bool utf8)
    {
        if (utf8)
        {
            writer.WriteMeasurement("m"u8);
            var k = Encoding.UTF8.GetBytes(key);
            writer.WriteField(k, 1.5);
            writer.WriteField(k, -7L);
            writer.WriteField(k, true);
            writer.WriteStringField(k, Encoding.UTF8.GetBytes(value));
        }
        else
        {
            writer.WriteMeasurement("m");
            writer.WriteField(key, 1.5);
            writer.WriteField(key, -7L);
            writer.WriteField(key, true);
            writer.WriteStringField(key, value);
        }
    }

    private static void Same(Action<LineProtocolWriter> utf16, Action<LineProtocolWriter> utf8, string what)
    {
        Assert.Equal(Run(utf16), Run(utf8));

        string Run(Action<LineProtocolWriter> write)
        {
            using var buffer = new PooledBuffer(64);
            using var writer = new LineProtocolWriter(buffer);
            try
            {
                write(writer);
                writer.EndLine();
                return $"{what}: {Encoding.UTF8.GetString(buffer.WrittenSpan)}";
            }
            catch (ArgumentException ex)
            {
                // The line under construction must be left as it was: nothing reaches the output.
                return $"{what}: {ex.Message} / output [{Encoding.UTF8.GetString(buffer.WrittenSpan)}] pending {writer.PendingLength > 0}";
            }
        }
    }
}
