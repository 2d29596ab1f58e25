using System.Threading.Channels;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest.Routing;

/// <summary>Settings of the grain dispatcher (section <c>Aiops:Dispatch</c>).</summary>
public sealed class DispatchOptions
{
    public const string Section = "Aiops:Dispatch";

    /// <summary>Requests' worth of samples waiting for the grains (default 4,096). Beyond it samples are not analysed (still stored).</summary>
    public int QueueCapacity { get; set; } = 4_096;

    /// <summary>Most samples merged into one round of grain calls (default 200,000).</summary>
    public int MaxSamplesPerRound { get; set; } = 200_000;

    /// <summary>Grain calls in flight at once within a round (default 256).</summary>
    public int MaxConcurrentCalls { get; set; } = 256;
}

/// <summary>
/// Delivers routed samples to <see cref="IHostGrain"/> and <see cref="ICiGrain"/> off the ingest hot path.
/// </summary>
/// <remarks>
/// Ingest never waits on analytics: requests post their samples to a bounded channel and return. One loop drains it,
/// merges what has queued up per entity, and makes exactly one grain call per entity per round; a single loop keeps
/// each entity's samples in arrival order. When the channel is full the samples are counted as dropped for analytics
/// (the raw points are stored regardless), never blocking ingest.
/// </remarks>
public sealed partial class GrainDispatcher : BackgroundService
{
    private readonly IGrainFactory _grains;
    private readonly AiopsMetrics _metrics;
    private readonly ILogger<GrainDispatcher> _logger;
    private readonly DispatchOptions _options;
    private readonly Channel<RoutedSamples> _queue;
    private long _pending;

    public GrainDispatcher(IGrainFactory grains, AiopsMetrics metrics, ILogger<GrainDispatcher> logger, IOptions<DispatchOptions> options)
    {
        _grains = grains;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value;
        _queue = Channel.CreateBounded<RoutedSamples>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        metrics.RegisterGauge("aiops_dispatch_pending_samples", "Samples waiting to be delivered to entity grains.", () => Volatile.Read(ref _pending));
    }

    /// <summary>Samples posted and not yet delivered.</summary>
    public long Pending => Volatile.Read(ref _pending);

    /// <summary>Posts one request's samples; never blocks.</summary>
    public void Post(RoutedSamples samples)
    {
        if (samples.Count == 0)
        {
            return;
        }

        Interlocked.Add(ref _pending, samples.Count);
        if (!_queue.Writer.TryWrite(samples))
        {
            Interlocked.Add(ref _pending, -samples.Count);
            _metrics.SamplesDropped.Add(samples.Count);
        }
    }

    /// <summary>Waits until every sample posted so far has been delivered (tests and shutdown).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _pending) > 0)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                var hosts = new Dictionary<string, List<SeriesSample>>(StringComparer.Ordinal);
                var cis = new Dictionary<string, List<SeriesSample>>(StringComparer.Ordinal);
                var taken = 0;
                while (taken < _options.MaxSamplesPerRound && reader.TryRead(out var item))
                {
                    Merge(hosts, item.Hosts);
                    Merge(cis, item.Cis);
                    taken += item.Count;
                }

                await DeliverAsync(hosts, cis, stoppingToken).ConfigureAwait(false);
                Interlocked.Add(ref _pending, -taken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Merge(Dictionary<string, List<SeriesSample>> into, Dictionary<string, List<SeriesSample>> from)
    {
        foreach (var (key, samples) in from)
        {
            if (into.TryGetValue(key, out var existing))
            {
                existing.AddRange(samples);
            }
            else
            {
                into.Add(key, samples);
            }
        }
    }

    private async Task DeliverAsync(Dictionary<string, List<SeriesSample>> hosts, Dictionary<string, List<SeriesSample>> cis, CancellationToken ct)
    {
        var calls = new List<(EntityKind Kind, string Key, TelemetryBatch Batch)>(hosts.Count + cis.Count);
        foreach (var (key, samples) in hosts)
        {
            calls.Add((EntityKind.Host, key, new TelemetryBatch([.. samples])));
        }

        foreach (var (key, samples) in cis)
        {
            calls.Add((EntityKind.Ci, key, new TelemetryBatch([.. samples])));
        }

        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentCalls, CancellationToken = ct }, async (call, _) =>
        {
            try
            {
                ITelemetryEntityGrain grain = call.Kind == EntityKind.Host
                    ? _grains.GetGrain<IHostGrain>(call.Key)
                    : _grains.GetGrain<ICiGrain>(call.Key);
                await grain.Ingest(call.Batch).ConfigureAwait(false);
                _metrics.SamplesRouted.Add(call.Batch.Samples.Length);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _metrics.GrainCallsFailed.Increment();
                LogGrainCallFailed(_logger, ex, call.Kind, call.Key, call.Batch.Samples.Length);
            }
        }).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Samples} samples to {Kind} {EntityKey} failed")]
    private static partial void LogGrainCallFailed(ILogger logger, Exception exception, EntityKind kind, string entityKey, int samples);
}
