using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Aiops.Abstractions;
using Aiops.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Storage;

/// <summary>
/// Batches line protocol and writes it to InfluxDB (v1 <c>/write</c> or v2 <c>/api/v2/write</c>).
/// </summary>
/// <remarks>
/// Callers append whole lines under a short lock (one memcpy per request, not per point). A batch is sealed when it
/// reaches <see cref="InfluxOptions.BatchSize"/> points or has waited <see cref="InfluxOptions.LingerMs"/>.
/// Transient failures (network, timeout, 5xx, 429) are retried with capped exponential backoff for as long as the
/// process runs, so an accepted point is not dropped; meanwhile the queue fills and ingest pushes back
/// (<see cref="HasCapacity"/>). A 4xx other than 429 means InfluxDB refused the data itself (e.g. a field type
/// conflict): retrying cannot help, so the batch is counted as failed and logged.
/// </remarks>
public sealed partial class InfluxBatchWriter : BackgroundService, ITelemetrySink
{
    private readonly InfluxOptions _options;
    private readonly HttpClient _http;
    private readonly AiopsMetrics _metrics;
    private readonly ILogger<InfluxBatchWriter> _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Batch> _sealed = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Lock _lock = new();
    private readonly Uri _writeUri;
    private PooledBuffer _open;
    private int _openPoints;
    private long _openSince;
    private long _queuedPoints;
    private long _inFlightBatches;

    public InfluxBatchWriter(IOptions<InfluxOptions> options, IHttpClientFactory httpFactory, AiopsMetrics metrics,
        ILogger<InfluxBatchWriter> logger, TimeProvider time)
    {
        _options = options.Value;
        _options.Validate();
        _http = httpFactory.CreateClient(nameof(InfluxBatchWriter));
        _http.Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _open = new PooledBuffer();
        _writeUri = BuildWriteUri(_options);
        metrics.RegisterGauge("aiops_influx_queued_points", "Points accepted and not yet written to InfluxDB.", () => Volatile.Read(ref _queuedPoints));
    }

    /// <inheritdoc />
    public bool HasCapacity => Volatile.Read(ref _queuedPoints) < _options.MaxQueuedPoints;

    /// <summary>Points accepted and not yet written (or refused) by InfluxDB.</summary>
    public long QueuedPoints => Volatile.Read(ref _queuedPoints);

    /// <inheritdoc />
    public void Enqueue(ReadOnlySpan<byte> lines, int pointCount)
    {
        if (pointCount == 0)
        {
            return;
        }

        Interlocked.Add(ref _queuedPoints, pointCount);
        lock (_lock)
        {
            if (_openPoints == 0)
            {
                _openSince = _time.GetTimestamp();
            }

            _open.Write(lines);
            _openPoints += pointCount;
            if (_openPoints >= _options.BatchSize)
            {
                SealLocked();
            }
        }
    }

    /// <summary>Seals the open batch and waits until everything queued so far has been written or refused.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            SealLocked();
        }

        while (Volatile.Read(ref _queuedPoints) > 0)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks that InfluxDB answers <c>/ping</c>.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(new Uri(_options.Url), "ping"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Give queued points a chance to reach InfluxDB before the process ends.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogFlushIncomplete(_logger, QueuedPoints);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.CreateDatabase && _options.ApiVersion == "v1")
        {
            await CreateDatabaseAsync(stoppingToken).ConfigureAwait(false);
        }

        var senders = new Task[_options.MaxConcurrentWrites];
        for (var i = 0; i < senders.Length; i++)
        {
            senders[i] = SendLoopAsync(stoppingToken);
        }

        var linger = TimeSpan.FromMilliseconds(_options.LingerMs);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(5, _options.LingerMs / 4)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    if (_openPoints > 0 && _time.GetElapsedTime(_openSince) >= linger)
                    {
                        SealLocked();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(senders).ConfigureAwait(false);
    }

    private void SealLocked()
    {
        if (_openPoints == 0)
        {
            return;
        }

        _sealed.Writer.TryWrite(new Batch(_open, _openPoints));
        _open = new PooledBuffer(Math.Max(64 * 1024, _open.Length));
        _openPoints = 0;
    }

    private async Task SendLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in _sealed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _inFlightBatches);
                try
                {
                    await SendWithRetryAsync(batch, stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlightBatches);
                    Interlocked.Add(ref _queuedPoints, -batch.Points);
                    batch.Buffer.Dispose();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendWithRetryAsync(Batch batch, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _writeUri)
                {
                    Content = new ByteArrayContent(batch.Buffer.Array, 0, batch.Buffer.Length),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
                if (!string.IsNullOrEmpty(_options.Token))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Token", _options.Token);
                }

                using var response = await _http.SendAsync(request, stoppingToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    _metrics.PointsWritten.Add(batch.Points);
                    _metrics.BatchLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    return;
                }

                var body = await response.Content.ReadAsStringAsync(stoppingToken).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 400 and < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    _metrics.PointsWriteFailed.Add(batch.Points);
                    LogBatchRefused(_logger, batch.Points, (int)response.StatusCode, Truncate(body));
                    return;
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
                failure = $"HTTP {(int)response.StatusCode}: {Truncate(body)}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                failure = ex.Message;
            }

            _metrics.WriteRetries.Increment();
            var delay = retryAfter ?? backoff;
            LogWriteRetry(_logger, batch.Points, attempt, delay.TotalMilliseconds, failure);
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, _options.MaxBackoffMs) * (0.8 + Random.Shared.NextDouble() * 0.4));
        }
    }

    private async Task CreateDatabaseAsync(CancellationToken stoppingToken)
    {
        var uri = new Uri(new Uri(_options.Url), "query");
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var content = new FormUrlEncodedContent([new("q", $"CREATE DATABASE \"{_options.Database}\"")]);
                using var response = await _http.PostAsync(uri, content, stoppingToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                LogCreateDatabaseFailed(_logger, _options.Database, $"HTTP {(int)response.StatusCode}");
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    LogCreateDatabaseFailed(_logger, _options.Database, ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private static Uri BuildWriteUri(InfluxOptions o)
    {
        var baseUri = new Uri(o.Url.EndsWith('/') ? o.Url : o.Url + "/");
        string query;
        if (o.ApiVersion == "v2")
        {
            query = $"api/v2/write?org={Uri.EscapeDataString(o.Org ?? string.Empty)}&bucket={Uri.EscapeDataString(o.Bucket ?? o.Database)}&precision=ns";
        }
        else
        {
            query = $"write?db={Uri.EscapeDataString(o.Database)}&precision=ns";
            if (!string.IsNullOrEmpty(o.RetentionPolicy))
            {
                query += "&rp=" + Uri.EscapeDataString(o.RetentionPolicy);
            }

            if (!string.IsNullOrEmpty(o.Username))
            {
                query += "&u=" + Uri.EscapeDataString(o.Username) + "&p=" + Uri.EscapeDataString(o.Password ?? string.Empty);
            }
        }

        return new Uri(baseUri, query);
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300];

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB write of {Points} points failed (attempt {Attempt}), retrying in {DelayMs} ms: {Failure}")]
    private static partial void LogWriteRetry(ILogger logger, int points, int attempt, double delayMs, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB refused a batch of {Points} points with HTTP {Status}: {Body}")]
    private static partial void LogBatchRefused(ILogger logger, int points, int status, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create InfluxDB database {Database}: {Failure}")]
    private static partial void LogCreateDatabaseFailed(ILogger logger, string database, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown with {Points} points not yet written to InfluxDB")]
    private static partial void LogFlushIncomplete(ILogger logger, long points);

    private readonly record struct Batch(PooledBuffer Buffer, int Points);
}
