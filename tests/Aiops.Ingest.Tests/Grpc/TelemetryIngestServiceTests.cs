using System.Text;
using Aiops.Abstractions;
using Aiops.Ingest.Grpc;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.Routing;
using Aiops.ServiceDefaults;
using Aiops.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Tests.Grpc;

public class TelemetryIngestServiceTests
{
    private const long T = 1_793_491_200_000_000_000;

    [Fact]
    public void BindService_NullService_BindsWriteAndStreamUnderTheGeneratedNames()
    {
        var binder = new RecordingBinder();

        TelemetryIngestServiceBase.BindService(binder, null);

        var generated = TelemetryIngest.Descriptor.Methods.Select(m => $"/{TelemetryIngest.Descriptor.FullName}/{m.Name}").ToArray();
        Assert.Equal(generated, binder.Methods.Select(m => m.FullName).ToArray());
        Assert.Equal([MethodType.Unary, MethodType.DuplexStreaming], binder.Methods.Select(m => m.Type).ToArray());
    }

    [Fact]
    public void Marshallers_GeneratedRequestBytes_RoundTripUnchangedAndResponseParsesBack()
    {
        var request = new WriteRequest { Sequence = 5, Points = { new Point { Measurement = "m", Fields = { ["v"] = 1 } } } };
        var bytes = request.ToByteArray();

        using var raw = TelemetryIngestMethods.RequestMarshaller.ContextualDeserializer(new Payload(bytes));
        var again = new Output();
        TelemetryIngestMethods.RequestMarshaller.ContextualSerializer(raw, again);
        var response = new WriteResponse { Sequence = 5, Accepted = 1, Rejected = { new Rejection { Index = 2, Reason = "why" } } };
        var serialized = new Output();
        TelemetryIngestMethods.ResponseMarshaller.ContextualSerializer(response, serialized);
        var parsed = TelemetryIngestMethods.ResponseMarshaller.ContextualDeserializer(new Payload(serialized.Bytes));

        Assert.Equal(bytes, raw.Payload.ToArray());
        Assert.Equal(bytes, again.Bytes);
        Assert.Equal(response.CalculateSize(), serialized.DeclaredLength);
        Assert.Equal(response, parsed);
    }

    [Fact]
    public async Task Write_PointsAndLineProtocol_AcceptsTheGoodAndReportsEachBadOneByIndexInOrder()
    {
        var sink = new RecordingSink();
        var service = Service(sink);
        var request = new WriteRequest
        {
            Sequence = 9,
            Points =
            {
                new Point { Measurement = "cpu", TimestampUnixNano = T, Tags = { ["host"] = "h1" }, Fields = { ["usage_idle"] = 97.5 } },
                new Point { Measurement = "cpu", TimestampUnixNano = T },
                new Point { Measurement = "mem", TimestampUnixNano = T, Tags = { ["host"] = "h\n1" }, Fields = { ["used_percent"] = 40 } },
                new Point { Measurement = "disk", TimestampUnixNano = T, Tags = { ["path"] = "/a b" }, StringFields = { ["s"] = "x\"y" } },
            },
            LineProtocol = $"net,host=h2 bytes_recv=5i {T}\nnet,host=h2 bytes_recv=oops {T}\n",
        };

        var response = await service.Write(Raw(request), Context());

        Assert.Equal(9UL, response.Sequence);
        Assert.Equal(3U, response.Accepted);
        Assert.Equal(
            [
                (1U, "point has no fields"),
                (2U, "The tag value contains a newline, which line protocol cannot carry. (Parameter 'value')"),
            ],
            response.Rejected.Take(2).Select(r => (r.Index, r.Reason)).ToArray());
        Assert.Single(response.Rejected.Skip(2));
        Assert.Equal(5U, response.Rejected[2].Index); // points.Count + line 2 − 1
        Assert.StartsWith("line 2 column ", response.Rejected[2].Reason, StringComparison.Ordinal);
        Assert.Equal(
            $"cpu,host=h1 usage_idle=97.5 {T}\ndisk,path=/a\\ b s=\"x\\\"y\" {T}\nnet,host=h2 bytes_recv=5i {T}\n",
            sink.Text);
    }

    [Fact]
    public async Task Write_MalformedBytes_ThrowsInvalidArgumentNamingTheProblemAndIngestsNothing()
    {
        var sink = new RecordingSink();
        var good = new WriteRequest { Points = { new Point { Measurement = "m", Fields = { ["v"] = 1 } } } }.ToByteArray();
        var truncated = good[..^1];

        var ex = await Assert.ThrowsAsync<RpcException>(() => Service(sink).Write(RawWriteRequest.Copy(truncated), Context()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("malformed WriteRequest: ", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(" at byte ", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("", sink.Text);
    }

    [Fact]
    public async Task Write_QueueFull_ThrowsResourceExhausted()
    {
        var sink = new RecordingSink { HasCapacity = false };
        var request = new WriteRequest { Points = { new Point { Measurement = "m", Fields = { ["v"] = 1 } } } };

        var ex = await Assert.ThrowsAsync<RpcException>(() => Service(sink).Write(Raw(request), Context()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("", sink.Text);
    }

    [Fact]
    public async Task Write_AuthEnabledWithoutToken_ThrowsUnauthenticated()
    {
        var request = new WriteRequest { Points = { new Point { Measurement = "m", Fields = { ["v"] = 1 } } } };
        var service = Service(new RecordingSink(), new AuthOptions { Enabled = true });

        var ex = await Assert.ThrowsAsync<RpcException>(() => service.Write(Raw(request), Context()));

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Stream_ThreeRequests_AnswersEachInOrderWithItsSequence()
    {
        var sink = new RecordingSink();
        var requests = Enumerable.Range(1, 3).Select(i => Raw(new WriteRequest
        {
            Sequence = (ulong)i,
            Points = { new Point { Measurement = "m", TimestampUnixNano = T + i, Fields = { ["v"] = i } }, new Point() },
        })).ToList();
        var responses = new ResponseRecorder();

        await Service(sink).Stream(new RequestQueue(requests), responses, Context());

        Assert.Equal([1UL, 2UL, 3UL], responses.Items.Select(r => r.Sequence).ToArray());
        Assert.All(responses.Items, r => Assert.Equal(1U, r.Accepted));
        Assert.All(responses.Items, r => Assert.Equal((1U, "measurement is empty"), (r.Rejected.Single().Index, r.Rejected.Single().Reason)));
        Assert.Equal($"m v=1 {T + 1}\nm v=2 {T + 2}\nm v=3 {T + 3}\n", sink.Text);
    }

    private static RawWriteRequest Raw(WriteRequest request) => RawWriteRequest.Copy(request.ToByteArray());

    private static TelemetryIngestService Service(RecordingSink sink, AuthOptions? auth = null)
    {
        var options = new IngestOptions();
        var metrics = new AiopsMetrics();

        // Never started, so the grain factory is never called: posted samples just wait in the channel.
        var dispatcher = new GrainDispatcher(null!, metrics, NullLogger<GrainDispatcher>.Instance, Options.Create(new DispatchOptions()));
        var ingestor = new LineProtocolIngestor(sink, dispatcher, new SeriesKeyCache(), new SeriesCardinalityGuard(Options.Create(options)), metrics, Options.Create(options), TimeProvider.System);
        return new TelemetryIngestService(ingestor, new TokenAuthenticator(Options.Create(auth ?? new AuthOptions())), metrics);
    }

    private sealed class RecordingSink : ITelemetrySink
    {
        private readonly StringBuilder _text = new();

        public bool HasCapacity { get; set; } = true;

        public string Text => _text.ToString();

        public void Enqueue(ReadOnlySpan<byte> lines, int pointCount) => _text.Append(Encoding.UTF8.GetString(lines));
    }

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<IMethod> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) => Methods.Add(method);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) => Methods.Add(method);
    }

    private sealed class Payload(byte[] bytes) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => bytes.ToArray();

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(bytes);
    }

    private sealed class Output : SerializationContext
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _writer = new();

        public byte[] Bytes => _writer.WrittenSpan.ToArray();

        public int DeclaredLength { get; private set; } = -1;

        public override void SetPayloadLength(int payloadLength) => DeclaredLength = payloadLength;

        public override System.Buffers.IBufferWriter<byte> GetBufferWriter() => _writer;

        public override void Complete()
        {
        }
    }

    private sealed class RequestQueue(List<RawWriteRequest> requests) : IAsyncStreamReader<RawWriteRequest>
    {
        private int _next = -1;

        public RawWriteRequest Current => requests[_next];

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_next < requests.Count);
    }

    private sealed class ResponseRecorder : IServerStreamWriter<WriteResponse>
    {
        public List<WriteResponse> Items { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(WriteResponse message)
        {
            Items.Add(message);
            return Task.CompletedTask;
        }
    }

    private static TestServerCallContext Context(Metadata? headers = null) => new("/aiops.telemetry.v1.TelemetryIngest/Write", headers);
}
