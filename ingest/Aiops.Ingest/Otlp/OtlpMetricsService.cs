using System.Runtime.InteropServices;
using System.Text;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Otlp.Proto.Collector.Metrics.V1;
using Aiops.Ingest.Storage;
using Aiops.ServiceDefaults;
using Aiops.ServiceDefaults.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Aiops.Ingest.Otlp;

/// <summary>
/// <c>opentelemetry.proto.collector.metrics.v1.MetricsService/Export</c> (DESIGN §4.2), served on the gRPC port so the
/// OpenTelemetry SDKs' OTLP exporters and the OpenTelemetry Collector ship metrics to Aiops unchanged.
/// </summary>
/// <remarks>
/// <para>Data points are mapped to line protocol by <see cref="OtlpMetricsMapper"/> and sent down the same path as
/// every other protocol (<see cref="LineProtocolIngestor"/>), so storage, limits and grain routing are identical.</para>
/// <para>Auth and overload behave as in <c>TelemetryIngestService</c>: metadata <c>authorization: Token &lt;t&gt;</c>
/// (or <c>Bearer</c>) with the write scope, else <c>UNAUTHENTICATED</c>; a full write queue answers
/// <c>RESOURCE_EXHAUSTED</c> before anything is taken, with a <c>google.rpc.RetryInfo</c> of
/// <see cref="RetryDelaySeconds"/> s in <c>grpc-status-details-bin</c>, the signal OTLP clients need to retry it.</para>
/// <para>Refused data points are reported in <c>partial_success</c>: <c>rejected_data_points</c> counts all of them,
/// <c>error_message</c> names the first <see cref="MaxReasonsInMessage"/> (data point index, metric, reason). A fully
/// accepted request gets no <c>partial_success</c>, as the OTLP specification asks.</para>
/// </remarks>
public sealed class OtlpMetricsService(LineProtocolIngestor ingestor, TokenAuthenticator auth, AiopsMetrics metrics)
    : MetricsService.MetricsServiceBase
{
    /// <summary>Retry delay suggested to clients on overload (the HTTP API's <c>Retry-After</c> is the same).</summary>
    public const int RetryDelaySeconds = 1;

    /// <summary>Rejections spelled out in <c>partial_success.error_message</c>; the count covers all of them.</summary>
    public const int MaxReasonsInMessage = 10;

    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        if (auth.Check(context.RequestHeaders.GetValue("authorization"), null, TokenScopes.Write) != AuthResult.Allowed)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a token with the write scope is required (metadata 'authorization: Token <t>')"));
        }

        if (!ingestor.HasCapacity)
        {
            metrics.RequestsOverloaded.Increment();
            throw Overloaded();
        }

        return Task.FromResult(Handle(request));
    }

    private ExportMetricsServiceResponse Handle(ExportMetricsServiceRequest request)
    {
        var options = ingestor.Options;
        using var buffer = new PooledBuffer(64 * 1024);
        var mapped = new OtlpMetricsMapper(options.MaxTagsPerPoint).Map(request, buffer, options.MaxReportedErrors);
        metrics.PointsReceived.Add(mapped.Rejected);
        metrics.PointsRejected.Add(mapped.Rejected);

        var rejections = mapped.Rejections;
        var rejected = (long)mapped.Rejected;
        if (mapped.Lines > 0)
        {
            // Line i of the body is reported as i, which indexes LinePoints/LineMetrics back to the data point.
            var identity = new int[mapped.Lines];
            for (var i = 0; i < identity.Length; i++)
            {
                identity[i] = i;
            }

            var failures = new List<IngestFailure>();
            var result = ingestor.Ingest(buffer.WrittenSpan, Precision.Nanoseconds, failures, identity);
            rejected += result.Rejected;
            foreach (var failure in failures)
            {
                rejections.Add(new OtlpRejection(mapped.LinePoints[failure.Line], mapped.LineMetrics[failure.Line], failure.Message));
            }
        }

        var response = new ExportMetricsServiceResponse();
        if (rejected > 0)
        {
            // Mapper rejections come first and ingestor ones after: sort by data point index so the message reads in request order.
            CollectionsMarshal.AsSpan(rejections).Sort(static (a, b) => a.PointIndex.CompareTo(b.PointIndex));
            response.PartialSuccess = new ExportMetricsPartialSuccess
            {
                RejectedDataPoints = rejected,
                ErrorMessage = Describe(rejected, mapped.DataPoints, rejections),
            };
        }

        return response;
    }

    /// <summary>"2 of 10 data points rejected: data point 3 of metric 'x': reason; …" (at most <see cref="MaxReasonsInMessage"/> reasons).</summary>
    public static string Describe(long rejected, int dataPoints, IReadOnlyList<OtlpRejection> rejections)
    {
        var text = new StringBuilder().Append(rejected).Append(" of ").Append(dataPoints).Append(" data points rejected");
        for (var i = 0; i < rejections.Count && i < MaxReasonsInMessage; i++)
        {
            text.Append(i == 0 ? ": " : "; ").Append(rejections[i].ToString());
        }

        if (rejected > Math.Min(rejections.Count, MaxReasonsInMessage))
        {
            text.Append("; …");
        }

        return text.ToString();
    }

    /// <summary>
    /// RESOURCE_EXHAUSTED with <c>google.rpc.Status{details: [RetryInfo{retry_delay}]}</c>: the OTLP specification lets
    /// clients retry this code only when the server says recovery is possible this way. Encoded by hand (3 small
    /// messages) rather than adding the googleapis protos for it.
    /// </summary>
    private static RpcException Overloaded()
    {
        const string message = "write queue full: retry later";
        var retryInfo = new Duration { Seconds = RetryDelaySeconds }.ToByteString();
        using var retryStream = new MemoryStream();
        using (var output = new CodedOutputStream(retryStream, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited); // RetryInfo.retry_delay
            output.WriteBytes(retryInfo);
        }

        var detail = new Any { TypeUrl = "type.googleapis.com/google.rpc.RetryInfo", Value = ByteString.CopyFrom(retryStream.ToArray()) };
        using var statusStream = new MemoryStream();
        using (var output = new CodedOutputStream(statusStream, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.Varint); // Status.code
            output.WriteInt32((int)StatusCode.ResourceExhausted);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited); // Status.message
            output.WriteString(message);
            output.WriteTag(3, WireFormat.WireType.LengthDelimited); // Status.details
            output.WriteMessage(detail);
        }

        var trailers = new Metadata { { "grpc-status-details-bin", statusStream.ToArray() } };
        return new RpcException(new Status(StatusCode.ResourceExhausted, message), trailers);
    }
}
