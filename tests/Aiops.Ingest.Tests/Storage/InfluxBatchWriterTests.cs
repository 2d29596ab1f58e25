using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Aiops.Ingest.Storage;
using Aiops.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Tests.Storage;

/// <summary>
/// The writer's failure modes against a fake InfluxDB (an <see cref="HttpMessageHandler"/>): a real InfluxDB cannot be
/// switched between "refuses connections" and "answers" at an exact point of a unit test, nor kept down while a second
/// writer starts. The real round trip (stop and restart a real InfluxDB under a silo) is in
/// <c>Aiops.IntegrationTests/SpoolTests</c>.
/// </summary>
public sealed class InfluxBatchWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aiops-writer-test-" + Guid.NewGuid().ToString("N"));
    private readonly FakeInflux _influx = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Enqueue_InfluxDown_SpoolsThenReplaysEveryPointOnceInOrder()
    {
        var metrics = new AiopsMetrics();
        // One sender: with two, two batches failing at the same moment may reach the spool in either order.
        await using var writer = await StartAsync(Options(maxConcurrentWrites: 1), metrics);
        var lines = Lines(0, 100);
        EnqueueInRequestsOf(writer, lines, 7);

        await WaitUntilAsync(() => writer.SpooledPoints == 100 && writer.QueuedPoints == 0, "all points spooled");
        Assert.True(writer.HasCapacity);
        Assert.True(writer.IsSpooling);
        Assert.Empty(_influx.Written);
        Assert.Contains("aiops_points_spooled_total 100\n", metrics.Render(), StringComparison.Ordinal);

        _influx.Up = true;
        await writer.FlushAsync(Timeout());

        Assert.Equal(lines, _influx.Written);
        Assert.Equal(0, writer.SpooledPoints);
        Assert.Contains("aiops_points_replayed_total 100\n", metrics.Render(), StringComparison.Ordinal);
        Assert.Equal(100, metrics.PointsWritten.Value);
    }

    [Fact]
    public async Task Enqueue_InfluxFailsMidway_NewBatchesQueueBehindSpooledOnes()
    {
        await using var writer = await StartAsync(Options(maxConcurrentWrites: 1), new AiopsMetrics());
        _influx.Up = true;
        var first = Lines(0, 30);
        EnqueueInRequestsOf(writer, first, 10);
        await writer.FlushAsync(Timeout());

        _influx.Up = false;
        var second = Lines(30, 50);
        EnqueueInRequestsOf(writer, second, 10);
        await WaitUntilAsync(() => writer.SpooledPoints == 50, "second part spooled");
        _influx.Up = true;
        var third = Lines(80, 20);
        EnqueueInRequestsOf(writer, third, 10);
        await writer.FlushAsync(Timeout());

        Assert.Equal([.. first, .. second, .. third], _influx.Written);
    }

    [Fact]
    public async Task StopAsync_InfluxDown_SpoolsEverythingAndNextWriterReplaysIt()
    {
        var lines = Lines(0, 25);
        await using (var writer = await StartAsync(Options(), new AiopsMetrics()))
        {
            // 25 points with batches of 10: the last 5 are still in the open batch when the host stops.
            EnqueueInRequestsOf(writer, lines, 5);
            await writer.StopAsync(Timeout());
            Assert.Equal(25, writer.SpooledPoints);
        }

        Assert.NotEmpty(Directory.GetFiles(_dir, "*.seg"));
        _influx.Up = true;
        var metrics = new AiopsMetrics();
        await using var next = await StartAsync(Options(), metrics);
        await next.FlushAsync(Timeout());

        Assert.Equal(lines.Order(), _influx.Written.Order());
        Assert.Equal(25, metrics.PointsWritten.Value);
        Assert.Empty(Directory.GetFiles(_dir, "*.seg"));
    }

    [Fact]
    public async Task HasCapacity_MemoryAndSpoolFull_FalseThenEveryPointWrittenOnceAfterRecovery()
    {
        // Spool of 1,024 bytes: one 10-line batch (~600 bytes) fits, the second does not.
        await using var writer = await StartAsync(Options(spoolMaxBytes: 1024), new AiopsMetrics());
        var health = new InfluxHealthCheck(writer);
        var accepted = new List<string>();
        var next = 0;
        while (writer.HasCapacity && next < 10_000)
        {
            var request = Lines(next, 10);
            EnqueueInRequestsOf(writer, request, 10);
            accepted.AddRange(request);
            next += 10;
            await WaitUntilAsync(() => writer.QueuedPoints < 10 || writer.IsSpoolFull, "batch moved to the spool or spool full");
        }

        Assert.False(writer.HasCapacity);
        Assert.True(writer.IsSpoolFull);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        _influx.Up = true;
        await writer.FlushAsync(Timeout());

        Assert.True(writer.HasCapacity);
        Assert.Equal(accepted.Order(), _influx.Written.Order());
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_WhileSpooling_Degraded()
    {
        await using var writer = await StartAsync(Options(), new AiopsMetrics());
        var health = new InfluxHealthCheck(writer);
        EnqueueInRequestsOf(writer, Lines(0, 20), 10);
        await WaitUntilAsync(() => writer.SpooledPoints == 20, "spooled");

        var result = await health.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("20 points", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_InfluxAnswers503OnEveryThirdWrite_NoPointLost()
    {
        var metrics = new AiopsMetrics();
        await using var writer = await StartAsync(Options(), metrics);
        _influx.Up = true;
        _influx.FailEvery = 3;
        var lines = Lines(0, 300);
        EnqueueInRequestsOf(writer, lines, 10);
        await writer.FlushAsync(Timeout());

        // Concurrent replay may write a batch twice (it follows a failed one); InfluxDB keeps one copy per timestamp.
        Assert.Equal(lines.Order(), _influx.Written.Distinct().Order());
        Assert.True(metrics.WriteRetries.Value > 0);
        Assert.True(metrics.PointsWritten.Value >= 300);
    }

    [Fact]
    public async Task Enqueue_BatchRefusedWith400_CountedAsFailedAndNotSpooled()
    {
        var metrics = new AiopsMetrics();
        await using var writer = await StartAsync(Options(), metrics);
        _influx.Up = true;
        _influx.RefuseWith400 = true;
        EnqueueInRequestsOf(writer, Lines(0, 10), 10);
        await writer.FlushAsync(Timeout());

        Assert.Equal(10, metrics.PointsWriteFailed.Value);
        Assert.Equal(0, writer.SpooledPoints);
        Assert.False(writer.IsSpooling);
    }

    private InfluxOptions Options(int maxConcurrentWrites = 2, long spoolMaxBytes = DiskSpool.DefaultMaxBytes) => new()
    {
        Url = "http://fake-influx.invalid:8086",
        CreateDatabase = false,
        BatchSize = 10,
        MaxQueuedPoints = 10,
        LingerMs = 20,
        MaxConcurrentWrites = maxConcurrentWrites,
        MaxBackoffMs = 100,
        SpoolDirectory = _dir,
        SpoolMaxBytes = spoolMaxBytes,
        SpoolSegmentBytes = 4096,
    };

    private async Task<WriterHandle> StartAsync(InfluxOptions options, AiopsMetrics metrics)
    {
        var writer = new InfluxBatchWriter(
            Microsoft.Extensions.Options.Options.Create(options), new FakeFactory(_influx), metrics, NullLogger<InfluxBatchWriter>.Instance,
            TimeProvider.System, new FakeEnvironment(), new ConfigurationBuilder().Build());
        await writer.StartAsync(CancellationToken.None);
        return new WriterHandle(writer);
    }

    private static List<string> Lines(int from, int count) =>
        Enumerable.Range(from, count).Select(i => $"cpu,host=h{i % 3} usage={i} {1_700_000_000_000_000_000L + i}").ToList();

    private static void EnqueueInRequestsOf(WriterHandle writer, List<string> lines, int perRequest)
    {
        foreach (var chunk in lines.Chunk(perRequest))
        {
            writer.Writer.Enqueue(Encoding.UTF8.GetBytes(string.Concat(chunk.Select(l => l + "\n"))), chunk.Length);
        }
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }
        }
    }

    /// <summary>Stops and disposes the writer (releasing the spool lock) at the end of a test.</summary>
    private sealed class WriterHandle(InfluxBatchWriter writer) : IAsyncDisposable
    {
        public InfluxBatchWriter Writer { get; } = writer;

        public bool HasCapacity => Writer.HasCapacity;

        public long QueuedPoints => Writer.QueuedPoints;

        public long SpooledPoints => Writer.SpooledPoints;

        public bool IsSpooling => Writer.IsSpooling;

        public bool IsSpoolFull => Writer.IsSpoolFull;

        public Task FlushAsync(CancellationToken ct) => Writer.FlushAsync(ct);

        public Task StopAsync(CancellationToken ct) => Writer.StopAsync(ct);

        public static implicit operator InfluxBatchWriter(WriterHandle h) => h.Writer;

        public async ValueTask DisposeAsync()
        {
            await Writer.StopAsync(CancellationToken.None);
            Writer.Dispose();
        }
    }

    /// <summary>InfluxDB stand-in: refuses connections while down; records written lines while up.</summary>
    private sealed class FakeInflux : HttpMessageHandler
    {
        private readonly ConcurrentQueue<string> _written = new();

        public volatile bool Up;

        public volatile bool RefuseWith400;

        /// <summary>When above 0, every n-th write answers 503.</summary>
        public int FailEvery;

        private int _writes;

        public List<string> Written => [.. _written];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Up)
            {
                throw new HttpRequestException("Connection refused (fake InfluxDB is down)");
            }

            var path = request.RequestUri!.AbsolutePath;
            if (path == "/write")
            {
                if (FailEvery > 0 && Interlocked.Increment(ref _writes) % FailEvery == 0)
                {
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("overloaded") };
                }

                if (RefuseWith400)
                {
                    return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("{\"error\":\"field type conflict\"}") };
                }

                var body = await request.Content!.ReadAsStringAsync(cancellationToken);
                foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    _written.Enqueue(line);
                }
            }

            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }

    private sealed class FakeFactory(FakeInflux handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class FakeEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "Aiops.Ingest.Tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
