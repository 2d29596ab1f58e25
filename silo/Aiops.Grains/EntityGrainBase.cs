using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains;

/// <summary>
/// Live telemetry state of one entity: per series the latest value by event time, its time, the sample count and the
/// rate of change. Shared by <see cref="HostGrain"/> and <see cref="CiGrain"/>.
/// </summary>
/// <remarks>
/// Everything is keyed by the event time carried in the samples, never by wall clock, so a replay gives the same
/// state; a late sample is counted but does not replace a newer latest value. Wall time is used only to pace
/// directory reports.
/// </remarks>
public abstract partial class EntityGrainBase : Grain, ITelemetryEntityGrain
{
    private readonly Dictionary<string, SeriesStats> _series = new(StringComparer.Ordinal);
    private readonly EntityGrainOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _pointCount;
    private long _lastSeenNs;
    private long _rejectedSeries;
    private long _lastReport = long.MinValue;

    protected EntityGrainBase(IOptions<EntityGrainOptions> options, TimeProvider time, ILogger logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Host or CI.</summary>
    protected abstract EntityKind Kind { get; }

    public async Task Ingest(TelemetryBatch batch)
    {
        foreach (var sample in batch.Samples)
        {
            if (!_series.TryGetValue(sample.Series, out var stats))
            {
                if (_series.Count >= _options.MaxSeriesPerEntity)
                {
                    if (_rejectedSeries++ == 0)
                    {
                        LogCardinalityLimit(_logger, Kind, this.GetPrimaryKeyString(), _options.MaxSeriesPerEntity, sample.Series);
                    }

                    continue;
                }

                stats = new SeriesStats();
                _series.Add(sample.Series, stats);
            }

            stats.Add(sample.TimestampNs, sample.Value);
            _pointCount++;
            if (sample.TimestampNs > _lastSeenNs)
            {
                _lastSeenNs = sample.TimestampNs;
            }
        }

        var now = _time.GetTimestamp();
        if (_lastReport == long.MinValue || _time.GetElapsedTime(_lastReport, now) >= IEntityDirectoryGrain.ReportInterval)
        {
            _lastReport = now;
            await GrainFactory.GetGrain<IEntityDirectoryGrain>(DirectoryKey(Kind)).Report(Summary());
        }
    }

    public Task<EntityState> GetState()
    {
        var series = new List<SeriesStatus>(_series.Count);
        foreach (var (key, s) in _series.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            series.Add(new SeriesStatus(key, s.LastValue, s.LastTimestampNs, s.Count, s.RatePerSecond));
        }

        return Task.FromResult(new EntityState(this.GetPrimaryKeyString(), Kind, _pointCount, _lastSeenNs, series, _rejectedSeries));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Leave the directory with the final counts, so listing hosts shows what this activation saw. Best effort:
        // when the whole silo shuts down the directory may already be gone, and that must not fail the shutdown.
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            try
            {
                await GrainFactory.GetGrain<IEntityDirectoryGrain>(DirectoryKey(Kind)).Report(Summary());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogFinalReportFailed(_logger, ex, Kind, this.GetPrimaryKeyString());
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Directory grain key of an entity kind.</summary>
    public static string DirectoryKey(EntityKind kind) => kind == EntityKind.Host ? "host" : "ci";

    private EntitySummary Summary() => new(this.GetPrimaryKeyString(), Kind, _series.Count, _pointCount, _lastSeenNs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {EntityKey} reached {Limit} series; new series such as {Series} are not analysed")]
    private static partial void LogCardinalityLimit(ILogger logger, EntityKind kind, string entityKey, int limit, string series);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Final directory report of {Kind} {EntityKey} failed")]
    private static partial void LogFinalReportFailed(ILogger logger, Exception exception, EntityKind kind, string entityKey);

    private sealed class SeriesStats
    {
        public double LastValue { get; private set; }

        public long LastTimestampNs { get; private set; } = long.MinValue;

        public long Count { get; private set; }

        public double RatePerSecond { get; private set; }

        public void Add(long timestampNs, double value)
        {
            Count++;
            if (timestampNs < LastTimestampNs)
            {
                return;
            }

            if (Count > 1 && timestampNs > LastTimestampNs)
            {
                RatePerSecond = (value - LastValue) / ((timestampNs - LastTimestampNs) / 1e9);
            }

            LastValue = value;
            LastTimestampNs = timestampNs;
        }
    }
}
