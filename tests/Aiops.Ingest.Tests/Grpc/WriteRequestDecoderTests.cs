using System.Text;
using Aiops.Ingest.Grpc;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;
using Google.Protobuf;

namespace Aiops.Ingest.Tests.Grpc;

public class WriteRequestDecoderTests
{
    // Small, so the tag limit is crossed by some random points.
    private const int MaxTags = 4;

    private static readonly string[] Pieces =
    [
        "cpu", "host", "a", "b", "usage_idle", "x1", "_", "0",
        " ", ",", "=", "\"", "\\", "\n", "#", "\r", "\t",
        "é", "日本", "😀", "ß", "\u00a0",
    ];

    [Fact]
    public void Decode_RandomPointsEncodedByGoogleProtobuf_MatchesStraightforwardPath()
    {
        var random = new Random(20261125);
        int points = 0, valid = 0;
        for (int round = 0; round < 300; round++)
        {
            var request = new WriteRequest { Sequence = (ulong)random.NextInt64() };
            int count = random.Next(0, 20);
            for (int i = 0; i < count; i++)
            {
                request.Points.Add(RandomPoint(random));
            }

            if (random.Next(4) == 0)
            {
                request.LineProtocol = $"m,host=h{round} v={round}\nbroken line\n";
            }

            var bytes = request.ToByteArray();
            var expected = StraightforwardPath.Translate(bytes, MaxTags);
            var actual = FastPath.Translate(bytes, MaxTags);

            Assert.True(expected.SameAs(actual), $"round {round}\nexpected {expected}\nactual   {actual}");
            points += count;
            valid += expected.LineToPoint.Length;
        }

        // The generator must exercise both outcomes in earnest, or the comparison proves little.
        Assert.InRange(points, 2000, 4000);
        Assert.InRange(valid, points / 4, points * 3 / 4);
    }

    [Fact]
    public void Decode_RandomHandBuiltWireBytes_MatchesStraightforwardPath()
    {
        // Repeated map keys, repeated scalars, unknown fields of every wire type, known fields of the wrong wire type,
        // entries missing their key or value, fields in any order, invalid UTF-8: what no Google.Protobuf writer emits
        // but any client may send.
        var random = new Random(7);
        int duplicates = 0, accepted = 0;
        for (int round = 0; round < 400; round++)
        {
            var request = new Wire();
            int count = random.Next(0, 12);
            for (int i = 0; i < count; i++)
            {
                if (random.Next(6) == 0)
                {
                    request.Raw(RandomUnknownField(random, 1000 + i));
                }

                request.Message(2, RandomPointWire(random, ref duplicates));
            }

            if (random.Next(3) == 0)
            {
                request.Varint(1, (ulong)random.NextInt64());
            }

            if (random.Next(5) == 0)
            {
                request.Bytes(3, random.Next(3) == 0 ? [0x6d, 0x20, 0x76, 0x3d, 0x31, 0xff] : "m v=1i\n"u8);
            }

            if (AssertSameOutcome(request.ToArray(), round))
            {
                accepted++;
            }
        }

        Assert.True(duplicates > 100, $"only {duplicates} repeated map keys generated");
        Assert.InRange(accepted, 200, 390);
    }

    [Fact]
    public void Decode_MutatedBytes_RefusesExactlyWhatGoogleProtobufRefusesAndAgreesOnTheRest()
    {
        var random = new Random(99);
        int refused = 0, accepted = 0;
        for (int round = 0; round < 3000; round++)
        {
            var request = new WriteRequest { Sequence = (ulong)round };
            for (int i = random.Next(1, 4); i > 0; i--)
            {
                request.Points.Add(RandomPoint(random));
            }

            if (AssertSameOutcome(Mutate(request.ToByteArray(), random), round))
            {
                accepted++;
            }
            else
            {
                refused++;
            }
        }

        Assert.True(refused > 300 && accepted > 100, $"refused {refused}, accepted {accepted}: mutations too one-sided");
    }

    [Fact]
    public void Decode_RepeatedMapKeys_KeepFirstPositionAndLastValue()
    {
        var point = new Wire()
            .String(1, "m")
            .Message(2, Entry("host", "a"))
            .Message(2, Entry("dc", "x"))
            .Message(2, Entry("host", "b"))
            .Message(3, new Wire().String(1, "v").Fixed64(2, BitConverter.DoubleToUInt64Bits(1.5)))
            .Message(3, new Wire().String(1, "w").Fixed64(2, BitConverter.DoubleToUInt64Bits(2)))
            .Message(3, new Wire().String(1, "v").Fixed64(2, BitConverter.DoubleToUInt64Bits(3.25)));
        var bytes = new Wire().Message(2, point).ToArray();

        var actual = FastPath.Translate(bytes, MaxTags);

        Assert.Equal("m,host=b,dc=x v=3.25,w=2\n", actual.Lines);
        Assert.True(StraightforwardPath.Translate(bytes, MaxTags).SameAs(actual));
    }

    [Fact]
    public void Decode_ManyRepeatedKeysInOneMap_DedupesThroughTheHashTable()
    {
        // 200 entries over 50 distinct keys: beyond the linear-scan limit.
        var point = new Wire().String(1, "m");
        for (int i = 0; i < 200; i++)
        {
            point.Message(5, new Wire().String(1, $"k{i % 50}").Varint(2, (ulong)i));
        }

        var bytes = new Wire().Message(2, point).Varint(4, 0).ToArray();

        var actual = FastPath.Translate(bytes, MaxTags);

        Assert.StartsWith("m k0=150i,k1=151i,", actual.Lines, StringComparison.Ordinal);
        Assert.Equal(50, actual.Lines.Count(c => c == '='));
        Assert.True(StraightforwardPath.Translate(bytes, MaxTags).SameAs(actual));
    }

    [Fact]
    public void Decode_UnknownFieldsOfEveryWireType_AreSkipped()
    {
        var unknown = new Wire()
            .Varint(90, 5).Fixed64(91, 7).Fixed32(92, 9).String(93, "junk")
            .Group(94, new Wire().Varint(1, 1).Group(2, new Wire().String(3, "deep")));
        var point = new Wire()
            .Raw(unknown.ToArray())
            .Message(2, new Wire().Raw(unknown.ToArray()).String(1, "host").String(2, "h1").Varint(3, 1))
            .String(1, "m")
            .Message(5, new Wire().String(1, "n").Varint(2, unchecked((ulong)-3L)).Raw(unknown.ToArray()))
            .Varint(4, 1_700_000_000_000_000_000);
        var bytes = new Wire().Raw(unknown.ToArray()).Varint(1, 42).Message(2, point).Raw(unknown.ToArray()).ToArray();

        var actual = FastPath.Translate(bytes, MaxTags);

        Assert.Equal("m,host=h1 n=-3i 1700000000000000000\n", actual.Lines);
        Assert.Equal(42UL, actual.Sequence);
        Assert.True(StraightforwardPath.Translate(bytes, MaxTags).SameAs(actual));
    }

    [Fact]
    public void Decode_KnownFieldWithWrongWireType_IsSkippedAsUnknown()
    {
        // measurement sent as a varint, timestamp as bytes, a tag map entry as fixed64: Google.Protobuf skips all three.
        var point = new Wire().Varint(1, 3).String(1, "m").Bytes(4, [1, 2]).Fixed64(2, 1).Message(3, new Wire().String(1, "v").Varint(2, 4).Fixed64(2, BitConverter.DoubleToUInt64Bits(4)));
        var bytes = new Wire().Message(2, point).ToArray();

        var actual = FastPath.Translate(bytes, MaxTags);

        Assert.Equal("m v=4\n", actual.Lines);
        Assert.True(StraightforwardPath.Translate(bytes, MaxTags).SameAs(actual));
    }

    [Fact]
    public void Decode_InvalidUtf8InAnOverriddenKey_RefusesTheRequestAsGoogleProtobufDoes()
    {
        // The bad key is overridden by a later entry, yet Google.Protobuf refuses the message: so must the decoder.
        var point = new Wire().String(1, "m").Message(7, new Wire().Bytes(1, [0x6f, 0x6b, 0xc3]).String(1, "ok").Varint(2, 1));
        var bytes = new Wire().Message(2, point).ToArray();

        var ex = Assert.Throws<ProtoWireException>(() => FastPath.Translate(bytes, MaxTags));

        Assert.Equal("malformed WriteRequest: points[0]: map key is not valid UTF-8 at byte 9", ex.Message);
        Assert.Throws<InvalidProtocolBufferException>(() => WriteRequest.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void Decode_LengthRunningPastThePoint_ThrowsNamingThePointAndTheByte()
    {
        // points[1] declares 3 bytes but holds a map entry claiming 9.
        var good = new Wire().String(1, "m").Message(3, new Wire().String(1, "v").Fixed64(2, 0)).ToArray();
        var bytes = new Wire().Bytes(2, good).Bytes(2, [0x12, 0x09, 0x0a]).ToArray();

        var ex = Assert.Throws<ProtoWireException>(() => FastPath.Translate(bytes, MaxTags));

        Assert.Equal($"malformed WriteRequest: points[1]: length 9 runs past the end of its message (1 bytes left) at byte {good.Length + 5}", ex.Message);
    }

    [Theory]
    [InlineData("12", "length varint runs past the end of its message at byte 1")]
    [InlineData("1205", "length 5 runs past the end of its message (0 bytes left) at byte 1")]
    [InlineData("0e01", "invalid wire type 6 for field 1 at byte 0")]
    [InlineData("0701", "invalid tag 7 (field number 0) at byte 0")]
    [InlineData("0001", "invalid tag 0 (field number 0) at byte 0")]
    [InlineData("0c", "end-group tag for field 1 without its start-group at byte 1")]
    [InlineData("0b", "group 1 has no end-group tag at byte 1")]
    [InlineData("0b14", "end-group tag for field 2 closes group 1 at byte 1")]
    [InlineData("08ffffffffffffffffffff01", "varint longer than 10 bytes at byte 1")]
    [InlineData("29000000", "fixed64 runs past the end of its message at byte 1")]
    public void Decode_MalformedBytes_ThrowsSayingWhatAndWhere(string hex, string expected)
    {
        var bytes = Convert.FromHexString(hex);

        var ex = Assert.Throws<ProtoWireException>(() => FastPath.Translate(bytes, MaxTags));

        Assert.StartsWith("malformed WriteRequest: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidProtocolBufferException>(() => WriteRequest.Parser.ParseFrom(bytes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Decode_NestedUnknownGroups_RefusedFromTheSameDepthAsGoogleProtobuf(int level)
    {
        // Google.Protobuf counts enclosing messages and open groups against one limit of 100.
        var outcomes = new List<bool>();
        for (int depth = 96; depth <= 102; depth++)
        {
            var group = new Wire().Varint(1, 1);
            for (int i = 1; i < depth; i++)
            {
                group = new Wire().Group(5, group);
            }

            var unknown = new Wire().Group(9, group);
            var entry = new Wire().String(1, "v").Fixed64(2, 0);
            var point = new Wire().String(1, "m");
            if (level == 2)
            {
                entry.Raw(unknown.ToArray());
            }
            else if (level == 1)
            {
                point.Raw(unknown.ToArray());
            }

            point.Message(3, entry);
            var request = new Wire().Message(2, point);
            if (level == 0)
            {
                request.Raw(unknown.ToArray());
            }

            outcomes.Add(AssertSameOutcome(request.ToArray(), depth));
        }

        // The limit falls inside the range tried: accepted below it, refused above it.
        Assert.True(outcomes[0]);
        Assert.False(outcomes[^1]);
    }

    [Fact]
    public void Decode_TwoHundredValidPoints_AllocatesNothingPerPoint()
    {
        var request = new WriteRequest();
        for (int i = 0; i < 200; i++)
        {
            request.Points.Add(new Point
            {
                Measurement = "cpu",
                TimestampUnixNano = 1_700_000_000_000_000_000 + i,
                Tags = { ["host"] = $"h{i % 20}", ["cpu"] = "cpu-total" },
                Fields = { ["usage_idle"] = 90.5 + i, ["usage_user"] = 3.25, ["usage_system"] = 1.5, ["usage_iowait"] = 0.0 },
                IntFields = { ["n"] = i },
            });
        }

        var bytes = request.ToByteArray();
        var decoder = new WriteRequestDecoder(64);
        var lineToPoint = new List<int>(256);
        var rejections = new List<Rejection>();
        using var buffer = new PooledBuffer(64 * 1024);
        using var writer = new LineProtocolWriter(buffer);
        decoder.Decode(bytes, writer, lineToPoint, rejections);

        // Smallest of several windows: a one-off runtime allocation (tier-up) must not fail the test, a per-point one does.
        long smallest = long.MaxValue;
        for (int window = 0; window < 4; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 5; round++)
            {
                buffer.Clear();
                lineToPoint.Clear();
                decoder.Decode(bytes, writer, lineToPoint, rejections);
            }

            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(200, lineToPoint.Count);
        Assert.Empty(rejections);
        Assert.Equal(0, smallest);
    }

    /// <summary>Both paths accept the bytes and agree on every line and rejection (true), or both refuse them (false).</summary>
    private static bool AssertSameOutcome(byte[] bytes, int round)
    {
        Translation? expected = null;
        try
        {
            expected = StraightforwardPath.Translate(bytes, MaxTags);
        }
        catch (InvalidProtocolBufferException)
        {
        }

        Translation? actual = null;
        ProtoWireException? error = null;
        try
        {
            actual = FastPath.Translate(bytes, MaxTags);
        }
        catch (ProtoWireException ex)
        {
            error = ex;
        }

        if (expected is null)
        {
            Assert.True(error is not null, $"round {round}: Google.Protobuf refuses {Convert.ToHexString(bytes)}, the decoder accepted it: {actual}");
            Assert.Matches(@"^malformed WriteRequest: .* at byte \d+$", error.Message);
            return false;
        }

        Assert.True(actual is not null, $"round {round}: Google.Protobuf accepts {Convert.ToHexString(bytes)}, the decoder refused it: {error?.Message}");
        Assert.True(expected.SameAs(actual), $"round {round} bytes {Convert.ToHexString(bytes)}\nexpected {expected}\nactual   {actual}");
        return true;
    }

    private static Wire Entry(string key, string value) => new Wire().String(1, key).String(2, value);

    private static string RandomName(Random random)
    {
        int mode = random.Next(20);
        if (mode == 0)
        {
            return "";
        }

        int pieces = random.Next(1, 4);
        var text = new StringBuilder();
        for (int i = 0; i < pieces; i++)
        {
            // Mostly plain words; one draw in four from the whole set (escapes, unicode, the refused newline/backslash/#).
            text.Append(random.Next(4) == 0 ? Pieces[random.Next(Pieces.Length)] : Pieces[random.Next(8)]);
        }

        return text.ToString();
    }

    private static double RandomDouble(Random random) => random.Next(12) switch
    {
        0 => double.NaN,
        1 => random.Next(2) == 0 ? double.PositiveInfinity : double.NegativeInfinity,
        2 => -0.0,
        3 => double.Epsilon,
        4 => double.MaxValue,
        5 => Math.Round(random.NextDouble() * 100, 2),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 20)),
    };

    private static long RandomLong(Random random) => random.Next(5) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => 0,
        _ => random.NextInt64(-1_000_000, 1_000_000),
    };

    private static Point RandomPoint(Random random)
    {
        var point = new Point { Measurement = RandomName(random) };
        if (random.Next(3) > 0)
        {
            point.TimestampUnixNano = random.Next(5) == 0 ? RandomLong(random) : 1_700_000_000_000_000_000 + random.NextInt64(1_000_000_000);
        }

        for (int i = random.Next(0, 6); i > 0; i--)
        {
            point.Tags[RandomName(random)] = RandomName(random);
        }

        for (int i = random.Next(0, 4); i > 0; i--)
        {
            point.Fields[RandomName(random)] = random.Next(3) == 0 ? RandomDouble(random) : random.NextDouble() * 100;
        }

        for (int i = random.Next(0, 3); i > 0; i--)
        {
            point.IntFields[RandomName(random)] = RandomLong(random);
        }

        for (int i = random.Next(0, 2); i > 0; i--)
        {
            point.StringFields[RandomName(random)] = RandomName(random);
        }

        for (int i = random.Next(0, 2); i > 0; i--)
        {
            point.BoolFields[RandomName(random)] = random.Next(2) == 0;
        }

        return point;
    }

    private static Wire RandomPointWire(Random random, ref int duplicates)
    {
        // Keys come from a small pool so the same key often repeats within a map.
        string[] pool = ["host", "cpu", "a b", "k=v", "é", "x"];
        var seen = new HashSet<(int, string)>();
        var point = new Wire();
        int items = random.Next(1, 12);
        for (int i = 0; i < items; i++)
        {
            int field = random.Next(1, 9);
            string key = random.Next(8) == 0 ? RandomName(random) : pool[random.Next(pool.Length)];
            if (field is 2 or 3 or 5 or 6 or 7 && !seen.Add((field, key)))
            {
                duplicates++;
            }

            switch (field)
            {
                case 1:
                    point.String(1, random.Next(4) == 0 ? RandomName(random) : "m");
                    break;
                case 2:
                    point.Message(2, RandomEntry(random, key, e => e.String(2, random.Next(6) == 0 ? RandomName(random) : "v")));
                    break;
                case 3:
                    point.Message(3, RandomEntry(random, key, e => e.Fixed64(2, BitConverter.DoubleToUInt64Bits(random.Next(5) == 0 ? RandomDouble(random) : random.Next(100)))));
                    break;
                case 4:
                    point.Varint(4, (ulong)RandomLong(random));
                    break;
                case 5:
                    point.Message(5, RandomEntry(random, key, e => e.Varint(2, (ulong)RandomLong(random))));
                    break;
                case 6:
                    point.Message(6, RandomEntry(random, key, e => e.String(2, RandomName(random))));
                    break;
                case 7:
                    point.Message(7, RandomEntry(random, key, e => e.Varint(2, (ulong)random.Next(3))));
                    break;
                default:
                    point.Raw(RandomUnknownField(random, random.Next(1, 8)));
                    break;
            }
        }

        // Now and then the invalid-UTF-8 fallback.
        if (random.Next(15) == 0)
        {
            point.Message(2, new Wire().Bytes(1, [0x68, 0xff]).String(2, "v"));
        }

        return point;
    }

    private static Wire RandomEntry(Random random, string key, Func<Wire, Wire> value)
    {
        var entry = new Wire();
        int shape = random.Next(10);
        if (shape == 0)
        {
            return value(entry); // no key
        }

        if (shape == 1)
        {
            return entry.String(1, key); // no value
        }

        if (shape == 2)
        {
            return value(entry).String(1, key).Varint(3, 1); // value first, then an unknown field
        }

        return value(entry.String(1, key));
    }

    private static byte[] RandomUnknownField(Random random, int field) => random.Next(5) switch
    {
        0 => new Wire().Varint(field, (ulong)random.NextInt64()).ToArray(),
        1 => new Wire().Fixed64(field, (ulong)random.NextInt64()).ToArray(),
        2 => new Wire().Fixed32(field, (uint)random.Next()).ToArray(),
        3 => new Wire().String(field, "unknown").ToArray(),
        _ => new Wire().Group(field, new Wire().Varint(1, 2).String(2, "g")).ToArray(),
    };

    private static byte[] Mutate(byte[] bytes, Random random)
    {
        var list = bytes.ToList();
        for (int i = random.Next(1, 3); i > 0 && list.Count > 0; i--)
        {
            int at = random.Next(list.Count);
            switch (random.Next(4))
            {
                case 0:
                    list.RemoveRange(at, list.Count - at);
                    break;
                case 1:
                    list[at] = (byte)random.Next(256);
                    break;
                case 2:
                    list.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    list.RemoveAt(at);
                    break;
            }
        }

        return [.. list];
    }
}
