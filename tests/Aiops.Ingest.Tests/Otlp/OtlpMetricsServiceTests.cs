using System.Text;
using Aiops.Abstractions;
using Aiops.Ingest.Otlp;
using Aiops.Ingest.Otlp.Proto.Collector.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Common.V1;
using Aiops.Ingest.Otlp.Proto.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Resource.V1;
using Aiops.Ingest.Routing;
using Aiops.ServiceDefaults;
using Histogram = Aiops.Ingest.Otlp.Proto.Metrics.V1.Histogram;
using Aiops.ServiceDefaults.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Tests.Otlp;

public class OtlpMetricsServiceTests
{
    private const ulong T = 1_793_491_200_000_000_000;

    [Fact]
    public void Describe_FewRejections_NamesEachInOrder()
    {
        var text = OtlpMetricsService.Describe(2, 9, [new(1, "a.b", "bad one"), new(4, "c", "bad two")]);

        Assert.Equal("2 of 9 data points rejected: data point 1 of metric 'a.b': bad one; data point 4 of metric 'c': bad two", text);
    }

    [Fact]
    public void Describe_MoreRejectionsThanShown_NamesTheFirstTenAndMarksTheRest()
    {
        var rejections = Enumerable.Range(0, 30).Select(i => new OtlpRejection(i, "m", "r")).ToList();

        var text = OtlpMetricsService.Describe(500, 1000, rejections);

        Assert.StartsWith("500 of 1000 data points rejected: data point 0 of metric 'm': r;", text, StringComparison.Ordinal);
        Assert.Contains("data point 9 of metric 'm'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("data point 10 ", text, StringComparison.Ordinal);
        Assert.EndsWith("; …", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_MapperAndIngestorRejections_EnqueuesTheRestAndReportsBothInRequestOrder()
    {
        // MaxFieldsPerPoint = 4: a histogram with 3 bounds has count + 4 buckets = 5 fields, which only the ingest
        // parser refuses, so its failure must be mapped back to the data point and metric.
        var sink = new RecordingSink();
        var service = Service(sink, new IngestOptions { MaxFieldsPerPoint = 4 });
        var wide = new HistogramDataPoint { Count = 4, TimeUnixNano = T };
        wide.ExplicitBounds.Add([1, 2, 3]);
        wide.BucketCounts.Add([1, 1, 1, 1]);
        var request = Request(
            new Metric { Name = "wide.hist", Histogram = new Histogram { DataPoints = { new HistogramDataPoint { Count = 1, TimeUnixNano = T }, wide } } },
            new Metric { Name = "g", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = double.NaN }, new NumberDataPoint { AsDouble = 2, TimeUnixNano = T } } } });

        var response = await service.Export(request, Context());

        Assert.Equal($"wide_hist,host=h count=1i {T}\ng,host=h value=2 {T}\n", sink.Text);
        Assert.Equal(2, sink.Points);
        Assert.Equal(2, response.PartialSuccess.RejectedDataPoints);
        Assert.Equal(
            "2 of 4 data points rejected: data point 1 of metric 'wide.hist': too many fields (limit is the field buffer size); "
            + "data point 2 of metric 'g': value is NaN: NaN and infinities cannot be stored",
            response.PartialSuccess.ErrorMessage);
    }

    [Fact]
    public async Task Export_SinkFull_ThrowsResourceExhaustedWithRetryInfoAndStoresNothing()
    {
        var sink = new RecordingSink { HasCapacity = false };
        var service = Service(sink, new IngestOptions());
        var request = Request(new Metric { Name = "g", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = 1 } } } });

        var ex = await Assert.ThrowsAsync<RpcException>(() => service.Export(request, Context()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, sink.Points);
        var details = ex.Trailers.GetValueBytes("grpc-status-details-bin");
        Assert.NotNull(details);
        var (code, message, detail) = ReadStatus(details);
        Assert.Equal((int)StatusCode.ResourceExhausted, code);
        Assert.Equal(ex.Status.Detail, message);
        Assert.Equal("type.googleapis.com/google.rpc.RetryInfo", detail.TypeUrl);
        var retryDelay = new CodedInputStream(detail.Value.ToByteArray());
        Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited), retryDelay.ReadTag());
        var delay = Duration.Parser.ParseFrom(retryDelay.ReadBytes());
        Assert.Equal(OtlpMetricsService.RetryDelaySeconds, delay.Seconds);
    }

    [Fact]
    public async Task Export_AuthOnWithoutToken_ThrowsUnauthenticated()
    {
        var sink = new RecordingSink();
        var auth = new AuthOptions { Enabled = true, Tokens = [new TokenOptions { Token = "t", Scopes = ["write"] }] };
        var service = Service(sink, new IngestOptions(), auth);

        var ex = await Assert.ThrowsAsync<RpcException>(() => service.Export(new ExportMetricsServiceRequest(), Context()));

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        var ok = await service.Export(new ExportMetricsServiceRequest(), Context(new Metadata { { "authorization", "Bearer t" } }));
        Assert.Null(ok.PartialSuccess);
    }

    /// <summary>Decodes google.rpc.Status {code = 1; message = 2; details = 3 (Any)} by field number.</summary>
    private static (int Code, string Message, Any Detail) ReadStatus(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        int code = 0;
        string message = "";
        Any? detail = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: code = input.ReadInt32(); break;
                case 2: message = input.ReadString(); break;
                case 3: detail = Any.Parser.ParseFrom(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return (code, message, detail ?? throw new InvalidOperationException("no details"));
    }

    private static OtlpMetricsService Service(RecordingSink sink, IngestOptions options, AuthOptions? auth = null)
    {
        var metrics = new AiopsMetrics();

        // Never started, so the grain factory is never called: posted samples just wait in the channel.
        var dispatcher = new GrainDispatcher(null!, metrics, NullLogger<GrainDispatcher>.Instance, Options.Create(new DispatchOptions()));
        var ingestor = new LineProtocolIngestor(sink, dispatcher, new SeriesKeyCache(), new SeriesCardinalityGuard(Options.Create(options)), metrics, Options.Create(options), TimeProvider.System);
        return new OtlpMetricsService(ingestor, new TokenAuthenticator(Options.Create(auth ?? new AuthOptions())), metrics);
    }

    private static ExportMetricsServiceRequest Request(params Metric[] metrics) => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = new Resource { Attributes = { new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = "h" } } } },
                ScopeMetrics = { new ScopeMetrics { Metrics = { metrics } } },
            },
        },
    };

    private sealed class RecordingSink : ITelemetrySink
    {
        private readonly StringBuilder _text = new();

        public bool HasCapacity { get; set; } = true;

        public int Points { get; private set; }

        public string Text => _text.ToString();

        public void Enqueue(ReadOnlySpan<byte> lines, int pointCount)
        {
            _text.Append(Encoding.UTF8.GetString(lines));
            Points += pointCount;
        }
    }

    private static TestServerCallContext Context(Metadata? headers = null) => new("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", headers);
}
