using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Aiops.Ingest.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Aiops.LoadGen;

/// <summary>
/// Ships a fixed number of points as fast as allowed and prints <c>points=P seconds=S points_per_s=X rejected=K</c>.
/// </summary>
/// <remarks>
/// Requests are built before the clock starts, so the figure measures the target, not the generator; gRPC requests are
/// serialised to their wire bytes then too and sent through a byte-array marshaller on the same service method (what
/// a shipper pays to serialise protobuf <c>map</c> fields is the <c>ClientSerialize</c> row of
/// <c>GrpcDecodeBenchmarks</c>, not part of the server's throughput). With
/// <c>--metrics-url</c> the clock stops only when Aiops reports every point written to InfluxDB (end-to-end), which
/// is what the InfluxDB-direct baseline (<c>--target influx</c>, acknowledged by InfluxDB itself) compares with.
/// </remarks>
public static class LoadRunner
{
    public static async Task<int> RunAsync(LoadOptions o)
    {
        var model = new TelegrafModel(o.SeriesPerHost);
        var batches = Build(o, model);
        Console.Error.WriteLine($"loadgen: {o.Points} points in {batches.Count} batches to {o.Target} {o.Url}");

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var writtenBefore = o.MetricsUrl is null ? 0 : await ReadWrittenAsync(http, o.MetricsUrl);
        long rejected = 0;
        long sent = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            GrpcChannel? channel = null;
            AsyncDuplexStreamingCall<byte[], WriteResponse>? stream = null;
            if (o.IsGrpc)
            {
                channel = GrpcChannel.ForAddress(o.Url, new GrpcChannelOptions { MaxSendMessageSize = 64 * 1024 * 1024 });
                var headers = new Metadata();
                if (o.Token is not null)
                {
                    headers.Add("authorization", "Token " + o.Token);
                }

                stream = channel.CreateCallInvoker().AsyncDuplexStreamingCall(RawStream, null, new CallOptions(headers));
            }

            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < batches.Count)
                {
                    var batch = batches[i];
                    if (o.Rate > 0)
                    {
                        var due = TimeSpan.FromSeconds(Interlocked.Read(ref sent) / o.Rate);
                        var wait = due - clock.Elapsed;
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait);
                        }
                    }

                    Interlocked.Add(ref rejected, stream is null ? await PostAsync(http, o, batch) : await StreamAsync(stream, batch));
                    Interlocked.Add(ref sent, batch.Points);
                }
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.RequestStream.CompleteAsync();
                    while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }

                    stream.Dispose();
                }

                channel?.Dispose();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(Worker)));
        if (o.MetricsUrl is not null)
        {
            var target = writtenBefore + o.Points - rejected;
            var deadline = Stopwatch.StartNew();
            while (await ReadWrittenAsync(http, o.MetricsUrl) < target)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                {
                    Console.Error.WriteLine("loadgen: Aiops did not report every point written within 5 minutes");
                    return 1;
                }

                await Task.Delay(20);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"points={o.Points} seconds={seconds:0.000} points_per_s={o.Points / seconds:0} rejected={rejected}"));
        return 0;
    }

    private static List<Batch> Build(LoadOptions o, TelegrafModel model)
    {
        var batches = new List<Batch>();
        var perTick = (long)o.Hosts * model.PointsPerTick;
        var ticks = (o.Points + perTick - 1) / perTick;
        var interval = TimeSpan.FromSeconds(10).Ticks * 100;
        var start = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100 - ticks * interval;
        var hosts = Enumerable.Range(0, o.Hosts).Select(h => $"{o.HostPrefix}{h:D5}").ToArray();
        var sb = new StringBuilder();
        var request = new WriteRequest();
        var count = 0;
        long made = 0;
        for (long t = 0; t < ticks && made < o.Points; t++)
        {
            for (var h = 0; h < hosts.Length && made < o.Points; h++)
            {
                for (var m = 0; m < model.PointsPerTick && made < o.Points; m++)
                {
                    var ts = start + t * interval;
                    if (o.Target == "grpc")
                    {
                        request.Points.Add(model.ToPoint(hosts[h], m, t, ts));
                    }
                    else
                    {
                        model.AppendLine(sb, hosts[h], m, t, ts);
                    }

                    made++;
                    if (++count == o.Batch)
                    {
                        Flush();
                    }
                }
            }
        }

        if (count > 0)
        {
            Flush();
        }

        return batches;

        void Flush()
        {
            if (o.Target == "grpc-lp")
            {
                request.LineProtocol = sb.ToString();
            }

            batches.Add(new Batch(count, request.Sequence, o.IsGrpc ? request.ToByteArray() : Encoding.UTF8.GetBytes(sb.ToString())));
            request = new WriteRequest { Sequence = (ulong)batches.Count };
            sb.Clear();
            count = 0;
        }
    }

    private static async Task<long> PostAsync(HttpClient http, LoadOptions o, Batch batch)
    {
        // Aiops and InfluxDB take the same v1 write request, which keeps the baseline comparable.
        var url = $"{o.Url.TrimEnd('/')}/write?db={Uri.EscapeDataString(o.Database)}&precision=ns";
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(batch.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            if (o.Token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Token", o.Token);
            }

            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 100)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200));
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            var body = await response.Content.ReadAsStringAsync();
            Console.Error.WriteLine($"loadgen: HTTP {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] : body)}");
            return batch.Points;
        }
    }

    private static async Task<long> StreamAsync(AsyncDuplexStreamingCall<byte[], WriteResponse> stream, Batch batch)
    {
        await stream.RequestStream.WriteAsync(batch.Body);
        if (!await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            throw new InvalidOperationException("the server closed the stream early");
        }

        var response = stream.ResponseStream.Current;
        if (response.Sequence != batch.Sequence)
        {
            throw new InvalidOperationException($"acknowledged sequence {response.Sequence}, expected {batch.Sequence}");
        }

        return response.Rejected.Count;
    }

    private static async Task<long> ReadWrittenAsync(HttpClient http, string metricsUrl)
    {
        var text = await http.GetStringAsync($"{metricsUrl.TrimEnd('/')}/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("aiops_points_written_total ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("aiops_points_written_total ".Length), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("aiops_points_written_total not found in /metrics");
    }

    /// <summary>TelemetryIngest/Stream with the request already serialised: the bytes go on the wire as they are.</summary>
    private static readonly Method<byte[], WriteResponse> RawStream = new(
        MethodType.DuplexStreaming,
        "aiops.telemetry.v1.TelemetryIngest",
        "Stream",
        Marshallers.Create(static (byte[] bytes) => bytes, static (byte[] bytes) => bytes),
        Marshallers.Create(static (WriteResponse r) => r.ToByteArray(), static (byte[] bytes) => WriteResponse.Parser.ParseFrom(bytes)));

    /// <summary>One request: its points, its sequence (gRPC) and its bytes (gRPC wire bytes or an HTTP body).</summary>
    private sealed record Batch(int Points, ulong Sequence, byte[] Body);
}
