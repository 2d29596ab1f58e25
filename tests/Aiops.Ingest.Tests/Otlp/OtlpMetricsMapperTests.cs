using System.Text;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Otlp;
using Aiops.Ingest.Otlp.Proto.Collector.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Common.V1;
using Aiops.Ingest.Otlp.Proto.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Resource.V1;
using Aiops.Ingest.Storage;
using Google.Protobuf;

namespace Aiops.Ingest.Tests.Otlp;

public class OtlpMetricsMapperTests
{
    private const ulong T = 1_793_491_200_000_000_000; // 2026-11-01T00:00:00Z

    [Fact]
    public void Map_GaugeWithResourceAndPointAttributes_WritesOneLineWithMappedSortedTags()
    {
        var request = Request(
            Resource(("host.name", Str("web-1")), ("service.name", Str("shop"))),
            Gauge("system.memory.usage", NumberDouble(42.5, T, ("state", Str("used")))));

        var (text, result) = Map(request);

        Assert.Equal($"system_memory_usage,host=web-1,service.name=shop,state=used value=42.5 {T}\n", text);
        Assert.Equal(1, result.DataPoints);
        Assert.Equal(0, result.Rejected);
        Assert.Equal([0], result.LinePoints);
        Assert.Equal(["system.memory.usage"], result.LineMetrics);
    }

    [Fact]
    public void Map_SumAsInt_WritesValueAsFloat()
    {
        var point = new NumberDataPoint { AsInt = 7, TimeUnixNano = T };
        var request = Request(Resource(("host.name", Str("h"))), new Metric { Name = "requests", Sum = new Sum { DataPoints = { point }, IsMonotonic = true } });

        var (text, _) = Map(request);

        // No 'i' suffix: the same metric name may arrive as double from another producer, and InfluxDB fixes field types.
        Assert.Equal($"requests,host=h value=7 {T}\n", text);
    }

    [Fact]
    public void Map_HistogramWithBuckets_WritesCountSumMinMaxAndCumulativeBuckets()
    {
        var point = new HistogramDataPoint { Count = 10, Sum = 12.5, Min = 0.001, Max = 3, TimeUnixNano = T };
        point.ExplicitBounds.Add([0.005, 0.1, 1]);
        point.BucketCounts.Add([1, 2, 3, 4]);
        var request = Request(Resource(("host.name", Str("h"))), Histogram("http.server.request.duration", point));

        var (text, result) = Map(request);

        Assert.Equal($"http_server_request_duration,host=h count=10i,sum=12.5,min=0.001,max=3,le_0.005=1i,le_0.1=3i,le_1=6i,le_inf=10i {T}\n", text);
        Assert.Equal(0, result.Rejected);
    }

    [Fact]
    public void Map_HistogramWithoutSumOrBuckets_WritesCountOnly()
    {
        var request = Request(Resource(), Histogram("h", new HistogramDataPoint { Count = 3, TimeUnixNano = T }));

        var (text, _) = Map(request);

        Assert.Equal($"h count=3i {T}\n", text);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2.0 }, new ulong[] { 1, 2 }, "2 explicit bounds need 3 bucket counts, got 2")]
    [InlineData(new[] { 2.0, 1.0 }, new ulong[] { 1, 2, 3 }, "explicit bounds must increase strictly: bound 1 (1) follows 2")]
    [InlineData(new[] { 1.0, double.PositiveInfinity }, new ulong[] { 1, 2, 3 }, "explicit bound 1 is Infinity: bounds must be finite")]
    public void Map_HistogramWithBadBuckets_RejectsOnlyThatPointWithReason(double[] bounds, ulong[] counts, string reason)
    {
        var bad = new HistogramDataPoint { Count = 6, TimeUnixNano = T };
        bad.ExplicitBounds.Add(bounds);
        bad.BucketCounts.Add(counts);
        var good = new HistogramDataPoint { Count = 1, TimeUnixNano = T + 1 };
        var request = Request(Resource(), Histogram("lat", good, bad, good));

        var (text, result) = Map(request);

        Assert.Equal($"lat count=1i {T + 1}\nlat count=1i {T + 1}\n", text);
        Assert.Equal(1, result.Rejected);
        Assert.Equal(new OtlpRejection(1, "lat", reason), Assert.Single(result.Rejections));
        Assert.Equal([0, 2], result.LinePoints);
    }

    [Fact]
    public void Map_ExponentialHistogramAndSummary_RejectsEachPointWithReasonAndKeepsOthers()
    {
        var exponential = new Metric { Name = "exp", ExponentialHistogram = new ExponentialHistogram { DataPoints = { new ExponentialHistogramDataPoint(), new ExponentialHistogramDataPoint() } } };
        var summary = new Metric { Name = "sum.mary", Summary = new Summary { DataPoints = { new SummaryDataPoint() } } };
        var request = Request(Resource(), exponential, Gauge("g", NumberDouble(1, T)), summary);

        var (text, result) = Map(request);

        Assert.Equal($"g value=1 {T}\n", text);
        Assert.Equal(4, result.DataPoints);
        Assert.Equal(3, result.Rejected);
        Assert.Equal([0, 1, 3], result.Rejections.Select(r => r.PointIndex));
        Assert.Contains("exponential histograms are not supported", result.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.Equal("sum.mary", result.Rejections[2].Metric);
        Assert.Contains("summaries are not supported", result.Rejections[2].Reason, StringComparison.Ordinal);
        Assert.Equal([2], result.LinePoints);
    }

    [Fact]
    public void Map_TimeZero_WritesNoTimestampSoServerTimeApplies()
    {
        var (text, _) = Map(Request(Resource(), Gauge("g", NumberDouble(1, 0))));

        Assert.Equal("g value=1\n", text);
    }

    [Fact]
    public void Map_TimePastInt64_RejectsWithReason()
    {
        var (text, result) = Map(Request(Resource(), Gauge("g", NumberDouble(1, ulong.MaxValue))));

        Assert.Equal(string.Empty, text);
        Assert.Contains("time_unix_nano 18446744073709551615", Assert.Single(result.Rejections).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Map_NonFiniteValue_RejectsNamingMetricAndIndex(double value)
    {
        var request = Request(Resource(), Gauge("cpu.temp", NumberDouble(20, T), NumberDouble(value, T)));

        var (text, result) = Map(request);

        Assert.Equal($"cpu_temp value=20 {T}\n", text);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.PointIndex);
        Assert.Equal("cpu.temp", rejection.Metric);
        Assert.Contains("NaN and infinities cannot be stored", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_PointWithoutValue_Rejects()
    {
        var (_, result) = Map(Request(Resource(), Gauge("g", new NumberDataPoint { TimeUnixNano = T })));

        Assert.Equal("the data point has neither as_double nor as_int", Assert.Single(result.Rejections).Reason);
    }

    [Theory]
    [InlineData("service.instance.id", "aiops.ci", "from-aiops")]
    [InlineData("aiops.ci", "service.instance.id", "from-aiops")]
    public void Map_ServiceInstanceIdAndAiopsCi_MapToCiWithAiopsCiWinning(string first, string second, string expected)
    {
        var value = (string key) => key == "aiops.ci" ? "from-aiops" : "from-service";
        var request = Request(Resource((first, Str(value(first))), (second, Str(value(second)))), Gauge("g", NumberDouble(1, T)));

        var (text, _) = Map(request);

        Assert.Equal($"g,ci={expected} value=1 {T}\n", text);
    }

    [Fact]
    public void Map_LiteralHostAttributeOnPoint_DoesNotOverrideHostName()
    {
        var request = Request(Resource(("host.name", Str("real"))), Gauge("g", NumberDouble(1, T, ("host", Str("literal")))));

        var (text, _) = Map(request);

        Assert.Equal($"g,host=real value=1 {T}\n", text);
    }

    [Fact]
    public void Map_PointAttributeNamedLikeResourceAttribute_PointWins()
    {
        var request = Request(
            Resource(("region", Str("eu")), ("host.name", Str("a"))),
            Gauge("g", NumberDouble(1, T, ("region", Str("us")), ("host.name", Str("b")))),
            Gauge("g2", NumberDouble(2, T)));

        var (text, _) = Map(request);

        // The second metric gets the resource values back: a point's attributes do not leak into its neighbours.
        Assert.Equal($"g,host=b,region=us value=1 {T}\ng2,host=a,region=eu value=2 {T}\n", text);
    }

    [Fact]
    public void Map_TwoResources_KeepTheirOwnTags()
    {
        var request = new ExportMetricsServiceRequest();
        foreach (var host in new[] { "h1", "h2" })
        {
            request.ResourceMetrics.Add(new ResourceMetrics
            {
                Resource = Resource(("host.name", Str(host))),
                ScopeMetrics = { new ScopeMetrics { Metrics = { Gauge("g", NumberDouble(1, T)) } } },
            });
        }

        var (text, _) = Map(request);

        Assert.Equal($"g,host=h1 value=1 {T}\ng,host=h2 value=1 {T}\n", text);
    }

    [Fact]
    public void Map_EmptyAttributeKeyOrValue_DropsThatTagOnly()
    {
        var request = Request(Resource(("", Str("x")), ("empty", Str("")), ("unset", new AnyValue()), ("ok", Str("y"))), Gauge("g", NumberDouble(1, T)));

        var (text, _) = Map(request);

        Assert.Equal($"g,ok=y value=1 {T}\n", text);
    }

    [Fact]
    public void Map_TelemetrySdkResourceAttributes_AreNotTags()
    {
        var request = Request(
            Resource(("telemetry.sdk.name", Str("opentelemetry")), ("telemetry.sdk.version", Str("1.20.1")), ("telemetry.distro.name", Str("d")), ("telemetry.auto.version", Str("1")), ("service.name", Str("s"))),
            Gauge("g", NumberDouble(1, T, ("telemetry.sdk.custom", Str("kept on a data point")))));

        var (text, _) = Map(request);

        Assert.Equal($"g,service.name=s,telemetry.sdk.custom=kept\\ on\\ a\\ data\\ point value=1 {T}\n", text);
    }

    [Fact]
    public void Map_TagValueWithNewline_RejectsThatPointAndKeepsNeighbours()
    {
        var request = Request(Resource(), Gauge("g", NumberDouble(1, T), NumberDouble(2, T, ("bad", Str("a\nb"))), NumberDouble(3, T)));

        var (text, result) = Map(request);

        Assert.Equal($"g value=1 {T}\ng value=3 {T}\n", text);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.PointIndex);
        Assert.StartsWith("attribute 'bad': ", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_MoreTagsThanLimit_RejectsWithCount()
    {
        var request = Request(Resource(("a", Str("1")), ("b", Str("2"))), Gauge("g", NumberDouble(1, T, ("c", Str("3")))));

        var (text, result) = Map(request, maxTags: 2);

        Assert.Equal(string.Empty, text);
        Assert.Equal("3 tags (resource and data point attributes), over the limit of 2", Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public void Map_EmptyMetricName_RejectsItsPoints()
    {
        var (_, result) = Map(Request(Resource(), Gauge("", NumberDouble(1, T))));

        Assert.Equal("the metric name is empty", Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public void Map_NoRecordedValueFlag_SkipsWithoutRejecting()
    {
        var stale = NumberDouble(double.NaN, T);
        stale.Flags = (uint)DataPointFlags.NoRecordedValueMask;

        var (text, result) = Map(Request(Resource(), Gauge("g", stale, NumberDouble(1, T))));

        Assert.Equal($"g value=1 {T}\n", text);
        Assert.Equal(1, result.Skipped);
        Assert.Equal(0, result.Rejected);
    }

    [Fact]
    public void Map_ManyRejections_CountsAllAndKeepsTheFirstMaxReported()
    {
        var points = Enumerable.Range(0, 50).Select(_ => NumberDouble(double.NaN, T)).ToArray();

        var (_, result) = Map(Request(Resource(), Gauge("g", points)), maxReported: 5);

        Assert.Equal(50, result.Rejected);
        Assert.Equal([0, 1, 2, 3, 4], result.Rejections.Select(r => r.PointIndex));
    }

    [Theory]
    [InlineData("bool", "true")]
    [InlineData("int", "-42")]
    [InlineData("double", "0.1")]
    [InlineData("bytes", "AQID")]
    [InlineData("array", "[\"a\",1,true]")]
    [InlineData("kvlist", "{\"k\":\"v\",\"n\":[2.5]}")]
    public void Render_NonStringValue_FollowsOpenTelemetryNonOtlpRules(string kind, string expected)
    {
        var value = kind switch
        {
            "bool" => new AnyValue { BoolValue = true },
            "int" => new AnyValue { IntValue = -42 },
            "double" => new AnyValue { DoubleValue = 0.1 },
            "bytes" => new AnyValue { BytesValue = ByteString.CopyFrom(1, 2, 3) },
            "array" => new AnyValue { ArrayValue = new ArrayValue { Values = { Str("a"), new AnyValue { IntValue = 1 }, new AnyValue { BoolValue = true } } } },
            _ => new AnyValue
            {
                KvlistValue = new KeyValueList
                {
                    Values =
                    {
                        new KeyValue { Key = "k", Value = Str("v") },
                        new KeyValue { Key = "n", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { DoubleValue = 2.5 } } } } },
                    },
                },
            },
        };

        Assert.Equal(expected, OtlpMetricsMapper.Render(value));
    }

    [Fact]
    public void Map_MixedRequest_EveryLineParsesBackWithTheIngestParser()
    {
        var histogram = new HistogramDataPoint { Count = 3, Sum = 1e-7, TimeUnixNano = T };
        histogram.ExplicitBounds.Add([1e-5, 2.5e10]);
        histogram.BucketCounts.Add([1, 1, 1]);
        var request = Request(
            Resource(("host.name", Str("host with space,comma=eq")), ("attrs", new AnyValue { KvlistValue = new KeyValueList { Values = { new KeyValue { Key = "a b", Value = Str("\"q\"") } } } })),
            Gauge("a.b.c", NumberDouble(-0.5, T, ("path", Str("C:\\dir\\x")))),
            Histogram("d", histogram));

        var (text, result) = Map(request);

        Assert.Equal(2, result.Lines);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var tags = new TagToken[64];
        var fields = new FieldToken[64];
        var first = Encoding.UTF8.GetBytes(lines[0]);
        Assert.True(LineProtocolParser.TryParseLine(first, tags, fields, Precision.Nanoseconds, 0, out var gauge, out var error), error.Message);
        Assert.Equal("a_b_c", gauge.GetMeasurement());
        var tagKeys = new string[gauge.Tags.Length];
        for (var i = 0; i < tagKeys.Length; i++)
        {
            tagKeys[i] = gauge.GetTagKey(i);
        }

        Assert.Equal(["attrs", "host", "path"], tagKeys);
        Assert.Equal("{\"a b\":\"\\\"q\\\"\"}", gauge.GetTagValue(0));
        Assert.Equal("host with space,comma=eq", gauge.GetTagValue(1));
        Assert.Equal("C:\\dir\\x", gauge.GetTagValue(2));
        Assert.Equal(-0.5, gauge.Fields[0].Float);
        Assert.Equal((long)T, gauge.TimestampNs);

        var second = Encoding.UTF8.GetBytes(lines[1]);
        Assert.True(LineProtocolParser.TryParseLine(second, tags, fields, Precision.Nanoseconds, 0, out var hist, out error), error.Message);
        var fieldKeys = new string[hist.Fields.Length];
        for (var i = 0; i < fieldKeys.Length; i++)
        {
            fieldKeys[i] = hist.GetFieldKey(i);
        }

        Assert.Equal(["count", "sum", "le_1E-05", "le_25000000000", "le_inf"], fieldKeys);
        Assert.Equal(3, hist.Fields[4].Integer);
    }

    [Fact]
    public void Parse_HandEncodedOtlpBytes_ReadsSpecFieldNumbersAndSkipsUnknownFields()
    {
        // Encoded by hand with the OTLP v1 field numbers, independent of the generated code, including fields the
        // subset leaves out (exemplars = 5, Metric.metadata = 12) which must be skipped.
        var point = new MemoryStream();
        using (var o = new CodedOutputStream(point, leaveOpen: true))
        {
            o.WriteTag(3, WireFormat.WireType.Fixed64); // time_unix_nano
            o.WriteFixed64(T);
            o.WriteTag(5, WireFormat.WireType.LengthDelimited); // exemplars (not in the subset)
            o.WriteBytes(ByteString.CopyFrom(0x11, 0, 0, 0, 0, 0, 0, 0, 0));
            o.WriteTag(6, WireFormat.WireType.Fixed64); // as_int (sfixed64)
            o.WriteSFixed64(-9);
            o.WriteTag(7, WireFormat.WireType.LengthDelimited); // attributes
            o.WriteBytes(new KeyValue { Key = "k", Value = Str("v") }.ToByteString());
        }

        var sum = Message((1, ByteString.CopyFrom(point.ToArray()))); // Sum.data_points
        var metric = Message((1, ByteString.CopyFromUtf8("m.x")), (7, sum), (12, Message())); // name, sum, metadata
        var resource = Message((1, new KeyValue { Key = "host.name", Value = Str("wire") }.ToByteString()));
        var scopeMetrics = Message((2, metric));
        var resourceMetrics = Message((1, resource), (2, scopeMetrics));
        var request = ExportMetricsServiceRequest.Parser.ParseFrom(Message((1, resourceMetrics)));

        var (text, _) = Map(request);

        Assert.Equal($"m_x,host=wire,k=v value=-9 {T}\n", text);
    }

    private static ByteString Message(params (int Field, ByteString Bytes)[] fields)
    {
        var stream = new MemoryStream();
        using (var o = new CodedOutputStream(stream, leaveOpen: true))
        {
            foreach (var (field, bytes) in fields)
            {
                o.WriteTag(field, WireFormat.WireType.LengthDelimited);
                o.WriteBytes(bytes);
            }
        }

        return ByteString.CopyFrom(stream.ToArray());
    }

    private static (string Text, OtlpMapResult Result) Map(ExportMetricsServiceRequest request, int maxTags = 64, int maxReported = 100)
    {
        using var buffer = new PooledBuffer(1024);
        var result = new OtlpMetricsMapper(maxTags).Map(request, buffer, maxReported);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), result);
    }

    private static ExportMetricsServiceRequest Request(Resource resource, params Metric[] metrics) => new()
    {
        ResourceMetrics = { new ResourceMetrics { Resource = resource, ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "test" }, Metrics = { metrics } } } } },
    };

    private static Resource Resource(params (string Key, AnyValue Value)[] attributes)
    {
        var resource = new Resource();
        resource.Attributes.Add(attributes.Select(a => new KeyValue { Key = a.Key, Value = a.Value }));
        return resource;
    }

    private static AnyValue Str(string value) => new() { StringValue = value };

    private static NumberDataPoint NumberDouble(double value, ulong time, params (string Key, AnyValue Value)[] attributes)
    {
        var point = new NumberDataPoint { AsDouble = value, TimeUnixNano = time };
        point.Attributes.Add(attributes.Select(a => new KeyValue { Key = a.Key, Value = a.Value }));
        return point;
    }

    private static Metric Gauge(string name, params NumberDataPoint[] points) => new() { Name = name, Gauge = new Gauge { DataPoints = { points } } };

    private static Metric Histogram(string name, params HistogramDataPoint[] points) => new()
    {
        Name = name,
        Histogram = new Histogram { DataPoints = { points }, AggregationTemporality = AggregationTemporality.Cumulative },
    };
}
