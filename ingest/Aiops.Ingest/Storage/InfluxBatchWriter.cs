using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Aiops.Abstractions;
using Aiops.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Storage;

/// <summary>
/// Batches line protocol and writes it to InfluxDB (v1 <c>/write</c> or v2 <c>/api/v2/write</c>), spooling to disk
/// while InfluxDB is down or slow.
/// </summary>
/// <remarks>
/// <para>Callers append whole lines under a short lock (one memcpy per request, not per point). A batch is sealed when it
/// reaches <see cref="InfluxOptions.BatchSize"/> points or has waited <see cref="InfluxOptions.LingerMs"/>.</para>
/// <para>Sender loops write sealed batches directly while InfluxDB answers. A transient failure (network, timeout, 5xx,
/// 429) sends the batch to the <see cref="DiskSpool"/> instead of blocking the sender, and from then on every sealed
/// batch goes to the spool as long as it holds anything, so that new data does not overtake the backlog. Batches also
/// go to the spool when the in-memory queue reaches <see cref="InfluxOptions.MaxQueuedPoints"/> (InfluxDB slower than
/// ingest). One replay loop probes <c>/ping</c> with capped exponential backoff and drains the spool oldest first,
/// removing a record only after InfluxDB accepted it. Only when the spool is full too do batches wait in memory, and
/// ingest pushes back (<see cref="HasCapacity"/>) once memory is full as well.</para>
/// <para>A 4xx other than 429 means InfluxDB refused the data itself (e.g. a field type conflict): retrying cannot help,
/// so the batch is counted as failed and logged, whether it came from memory or from the spool.</para>
/// <para>Delivery is at least once: a write cut off by shutdown or a timeout may have reached InfluxDB and is spooled
/// again. Ingest makes every timestamp explicit, so a repeated point overwrites itself in InfluxDB.</para>
/// </remarks>
public sealed partial class InfluxBatchWriter : BackgroundService, ITelemetrySink
{
    private readonly InfluxOptions _options;
    private readonly HttpClient _http;
    private readonly AiopsMetrics _metrics;
    private readonly ILogger<InfluxBatchWriter> _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Batch> _sealed = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Channel<bool> _spoolSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TaskCompletionSource _databaseReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly Uri _writeUri;
    private readonly DiskSpool? _spool;
    private PooledBuffer _open;
    private int _openPoints;
    private long _openSince;
    private long _queuedPoints;
    private volatile bool _influxDown;
    private bool _stopped;

    public InfluxBatchWriter(IOptions<InfluxOptions> options, IHttpClientFactory httpFactory, AiopsMetrics metrics,
        ILogger<InfluxBatchWriter> logger, TimeProvider time, IHostEnvironment environment, IConfiguration configuration)
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
        if (_options.SpoolMaxBytes > 0)
        {
            var directory = _options.ResolveSpoolDirectory(configuration["Aiops:DataDirectory"], environment.ContentRootPath);
            _spool = DiskSpool.Open(directory, logger, _options.SpoolMaxBytes, _options.SpoolSegmentBytes, _options.SpoolFsyncEachRecord);
        }

        if (!(_options.CreateDatabase && _options.ApiVersion == "v1"))
        {
            _databaseReady.TrySetResult();
        }

        metrics.RegisterGauge("aiops_influx_queued_points", "Points accepted and not yet written to InfluxDB, held in memory.", () => Volatile.Read(ref _queuedPoints));
        metrics.RegisterGauge("aiops_spool_bytes", "Bytes of the on-disk spool's segment files.", () => _spool?.Bytes ?? 0);
        metrics.RegisterGauge("aiops_spool_max_bytes", "Size cap of the on-disk spool (Influx:SpoolMaxBytes).", () => _spool?.MaxBytes ?? 0);
        metrics.RegisterGauge("aiops_spool_records", "Batches waiting in the on-disk spool.", () => _spool?.Records ?? 0);
        metrics.RegisterGauge("aiops_spool_points", "Points waiting in the on-disk spool.", () => _spool?.Points ?? 0);
        // Monotonic counters; registered through the gauge hook because AiopsMetrics has no counter registration.
    }

    /// <summary>
    /// False only when the in-memory queue is full and the spool cannot take more (or there is no spool). A hard
    /// ceiling of twice <see cref="InfluxOptions.MaxQueuedPoints"/> in memory also applies, so a disk slower than ingest
    /// cannot grow memory without bound.
    /// </summary>
    public bool HasCapacity
    {
        get
        {
            var queued = Volatile.Read(ref _queuedPoints);
            if (queued < _options.MaxQueuedPoints)
            {
                return true;
            }

            return _spool is { IsFull: false } && queued < 2 * _options.MaxQueuedPoints;
        }
    }

    /// <summary>Points accepted and held in memory, not yet written to InfluxDB or the spool.</summary>
    public long QueuedPoints => Volatile.Read(ref _queuedPoints);

    /// <summary>Points waiting in the on-disk spool.</summary>
    public long SpooledPoints => _spool?.Points ?? 0;

    /// <summary>True while batches go to the spool (InfluxDB failing, or a backlog being replayed).</summary>
    public bool IsSpooling => _spool is { IsEmpty: false } || (_spool is not null && _influxDown);

    /// <summary>True when the spool has refused a batch for lack of room (readiness turns Unhealthy).</summary>
    public bool IsSpoolFull => _spool?.IsFull ?? false;

    /// <summary>The spool, or null when <see cref="InfluxOptions.SpoolMaxBytes"/> is 0.</summary>
    public DiskSpool? Spool => _spool;

    /// <inheritdoc />
    public void Enqueue(ReadOnlySpan<byte> lines, int pointCount)
    {
        if (pointCount == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_stopped)
            {
                // After the final drain at shutdown nothing sends any more: keep late points on disk if we can.
                if (_spool?.TryAppend(lines, pointCount) == true)
                {
                    _metrics.PointsSpooled.Add(pointCount);
                }
                else
                {
                    LogPointsLost(_logger, pointCount);
                }

                return;
            }

            Interlocked.Add(ref _queuedPoints, pointCount);
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

    /// <summary>
    /// Seals the open batch and waits until everything accepted so far has been written to InfluxDB (or refused by it),
    /// including what waits in the spool.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            SealLocked();
        }

        while (Volatile.Read(ref _queuedPoints) > 0 || _spool is { IsEmpty: false })
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
        // Give the in-memory batches a chance to reach InfluxDB (or the spool) before the loops stop; the spool itself
        // persists, so its backlog is not waited for. Whatever is still in memory afterwards is spooled by ExecuteAsync.
        lock (_lock)
        {
            SealLocked();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (Volatile.Read(ref _queuedPoints) > 0)
            {
                await Task.Delay(10, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            LogFlushIncomplete(_logger, QueuedPoints);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _spool?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var createDatabase = _databaseReady.Task.IsCompleted ? Task.CompletedTask : CreateDatabaseAsync(stoppingToken);
        var loops = new List<Task>();
        for (var i = 0; i < _options.MaxConcurrentWrites; i++)
        {
            loops.Add(SendLoopAsync(stoppingToken));
        }

        if (_spool is not null)
        {
            loops.Add(ReplayLoopAsync(stoppingToken));
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

        await Task.WhenAll(loops).ConfigureAwait(false);
        try
        {
            await createDatabase.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        DrainToSpoolAtShutdown();
    }

    private void DrainToSpoolAtShutdown()
    {
        lock (_lock)
        {
            SealLocked();
            _stopped = true;
        }

        while (_sealed.Reader.TryRead(out var batch))
        {
            try
            {
                if (!TrySpool(batch))
                {
                    LogPointsLost(_logger, batch.Points);
                }
            }
            finally
            {
                Interlocked.Add(ref _queuedPoints, -batch.Points);
                batch.Buffer.Dispose();
            }
        }

        _spool?.Flush();
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
            if (_spool is null)
            {
                // Without a spool nothing may be sent before the database exists: InfluxDB would refuse it for good.
                await _databaseReady.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            }

            await foreach (var batch in _sealed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await DeliverAsync(batch, stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Add(ref _queuedPoints, -batch.Points);
                    batch.Buffer.Dispose();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes one batch to InfluxDB or the spool; returns only once it is written, refused, spooled, or lost at shutdown.</summary>
    private async Task DeliverAsync(Batch batch, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            if (!ShouldSpool())
            {
                var started = Stopwatch.GetTimestamp();
                var result = await SendOnceAsync(batch.Buffer, batch.Points, stoppingToken).ConfigureAwait(false);
                if (result.Outcome == SendOutcome.Written)
                {
                    _metrics.BatchLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    return;
                }

                if (result.Outcome == SendOutcome.Refused)
                {
                    return;
                }

                if (result.Outcome == SendOutcome.Transient)
                {
                    _metrics.WriteRetries.Increment();
                    MarkDown(batch.Points, result.Failure);
                    if (_spool is null)
                    {
                        // No spool: keep the batch and retry in place, as ingest pushes back once memory is full.
                        var delay = result.RetryAfter ?? backoff;
                        LogWriteRetry(_logger, batch.Points, attempt, delay.TotalMilliseconds, result.Failure);
                        await DelayAsync(delay, stoppingToken).ConfigureAwait(false);
                        backoff = NextBackoff(backoff);
                        continue;
                    }
                }
            }

            if (TrySpool(batch))
            {
                return;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                LogPointsLost(_logger, batch.Points);
                return;
            }

            // The spool is full: hold the batch (memory fills, then ingest answers 503) and try again after a pause.
            await DelayAsync(backoff, stoppingToken).ConfigureAwait(false);
            backoff = NextBackoff(backoff);
        }
    }

    /// <summary>
    /// While anything is spooled, or InfluxDB is known to fail, or memory is full, batches go to the spool: keeps FIFO
    /// order with the backlog and frees memory.
    /// </summary>
    private bool ShouldSpool() =>
        _spool is not null
        && (_influxDown || !_spool.IsEmpty || !_databaseReady.Task.IsCompleted || Volatile.Read(ref _queuedPoints) >= _options.MaxQueuedPoints);

    private bool TrySpool(Batch batch)
    {
        if (_spool is null)
        {
            return false;
        }

        bool appended;
        try
        {
            appended = _spool.TryAppend(batch.Buffer.WrittenSpan, batch.Points);
        }
        catch (IOException ex)
        {
            LogSpoolWriteFailed(_logger, batch.Points, ex.Message);
            appended = false;
        }

        if (!appended)
        {
            return false;
        }

        _metrics.PointsSpooled.Add(batch.Points);
        _spoolSignal.Writer.TryWrite(true);
        return true;
    }

    private void MarkDown(int points, string failure)
    {
        if (!_influxDown && _spool is not null)
        {
            LogSpoolingStarted(_logger, points, failure);
        }

        _influxDown = true;
    }

    private async Task ReplayLoopAsync(CancellationToken stoppingToken)
    {
        var spool = _spool!;
        var backoff = TimeSpan.FromMilliseconds(100);
        var records = new List<SpoolRecord>(_options.MaxConcurrentWrites);
        try
        {
            await _databaseReady.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                if (spool.IsEmpty)
                {
                    if (_influxDown && await PingAsync(stoppingToken).ConfigureAwait(false))
                    {
                        _influxDown = false;
                    }

                    // Woken by the next append; the timeout re-probes /ping so that a failing InfluxDB with an empty spool
                    // (every spooled batch was refused) does not keep new batches on the disk path forever.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    wait.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await _spoolSignal.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }

                    continue;
                }

                if (_influxDown && !await PingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await DelayAsync(backoff, stoppingToken).ConfigureAwait(false);
                    backoff = NextBackoff(backoff);
                    continue;
                }

                // Up to MaxConcurrentWrites records at once, so that replay keeps up with ingest as direct writes do
                // (all new batches go through the spool until it is empty). Removal stays FIFO: only the prefix that
                // InfluxDB answered for is removed; a record written after a failed one is sent again later
                // (at-least-once, idempotent thanks to explicit timestamps).
                records.Clear();
                if (spool.PeekHead(_options.MaxConcurrentWrites, records) == 0)
                {
                    continue;
                }

                SendResult[] results;
                try
                {
                    var sends = new Task<SendResult>[records.Count];
                    for (var i = 0; i < records.Count; i++)
                    {
                        sends[i] = SendOnceAsync(records[i].Payload, records[i].Points, stoppingToken);
                    }

                    results = await Task.WhenAll(sends).ConfigureAwait(false);
                }
                finally
                {
                    foreach (var record in records)
                    {
                        record.Dispose();
                    }
                }

                var done = 0;
                while (done < results.Length && results[done].Outcome is SendOutcome.Written or SendOutcome.Refused)
                {
                    if (results[done].Outcome == SendOutcome.Written)
                    {
                        // Count before removing: FlushAsync returns once the spool is empty, and its callers expect
                        // the counters to include what was just written.
                        _metrics.PointsReplayed.Add(records[done].Points);
                    }

                    done++;
                }

                spool.RemoveHead(done);
                if (done == results.Length)
                {
                    if (_influxDown && results.Any(r => r.Outcome == SendOutcome.Written))
                    {
                        LogReplayResumed(_logger, spool.Points, spool.Records);
                        _influxDown = false;
                    }

                    backoff = TimeSpan.FromMilliseconds(100);
                    continue;
                }

                var failed = results[done];
                if (failed.Outcome == SendOutcome.Cancelled)
                {
                    return;
                }

                _metrics.WriteRetries.Increment();
                MarkDown(records[done].Points, failed.Failure);
                await DelayAsync(failed.RetryAfter ?? backoff, stoppingToken).ConfigureAwait(false);
                backoff = NextBackoff(backoff);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One write attempt. Counts written and refused points; never throws except for programming errors.</summary>
    private async Task<SendResult> SendOnceAsync(PooledBuffer payload, int points, CancellationToken stoppingToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _writeUri)
            {
                Content = new ByteArrayContent(payload.Array, 0, payload.Length),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            if (!string.IsNullOrEmpty(_options.Token))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Token", _options.Token);
            }

            using var response = await _http.SendAsync(request, stoppingToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                _metrics.PointsWritten.Add(points);
                return new SendResult(SendOutcome.Written, string.Empty, null);
            }

            var body = await response.Content.ReadAsStringAsync(stoppingToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 400 and < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                _metrics.PointsWriteFailed.Add(points);
                LogBatchRefused(_logger, points, (int)response.StatusCode, Truncate(body));
                return new SendResult(SendOutcome.Refused, body, null);
            }

            return new SendResult(SendOutcome.Transient, $"HTTP {(int)response.StatusCode}: {Truncate(body)}", response.Headers.RetryAfter?.Delta);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            // Cut off by shutdown: the caller spools the batch (it may also have been written: at-least-once).
            return stoppingToken.IsCancellationRequested
                ? new SendResult(SendOutcome.Cancelled, "shutdown", null)
                : new SendResult(SendOutcome.Transient, ex.Message, null);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private TimeSpan NextBackoff(TimeSpan backoff) =>
        TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, _options.MaxBackoffMs) * (0.8 + Random.Shared.NextDouble() * 0.4));

    private async Task CreateDatabaseAsync(CancellationToken stoppingToken)
    {
        var uri = new Uri(new Uri(_options.Url), "query");
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var content = new FormUrlEncodedContent([new("q", $"CREATE DATABASE \"{_options.Database}\"")]);
                using var response = await _http.PostAsync(uri, content, stoppingToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    LogCreateDatabaseFailed(_logger, _options.Database, $"HTTP {(int)response.StatusCode}");
                }

                // Until now batches went to the spool: writing to a database that does not exist yet would be refused.
                _databaseReady.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    LogCreateDatabaseFailed(_logger, _options.Database, ex.Message);
                }

                await DelayAsync(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB write of {Points} points failed ({Failure}): spooling to disk until it answers again")]
    private static partial void LogSpoolingStarted(ILogger logger, int points, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "InfluxDB answers again; replaying the spool ({Points} points in {Records} batches left)")]
    private static partial void LogReplayResumed(ILogger logger, long points, int records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Points} points to the spool: {Failure}")]
    private static partial void LogSpoolWriteFailed(ILogger logger, int points, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Points} accepted points lost at shutdown: InfluxDB unreachable and the spool full or disabled")]
    private static partial void LogPointsLost(ILogger logger, long points);

    private enum SendOutcome
    {
        Written,
        Refused,
        Transient,
        Cancelled,
    }

    private readonly record struct SendResult(SendOutcome Outcome, string Failure, TimeSpan? RetryAfter);

    private readonly record struct Batch(PooledBuffer Buffer, int Points);
}
