using System.Globalization;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.ServiceDefaults;
using Mediator;
using Microsoft.Extensions.Configuration;

namespace Aiops.Api.Features.Series;

/// <summary>One series of a host or CI over [From, To) in buckets of Step (validated by <see cref="SeriesApi"/>).</summary>
/// <param name="Entity">Host name or CI id.</param>
/// <param name="Kind"><c>host</c>, <c>ci</c>, or null for either tag.</param>
/// <param name="Series">The parsed series key.</param>
/// <param name="FromNs">Window start, Unix ns (inclusive).</param>
/// <param name="ToNs">Window end, Unix ns (exclusive).</param>
/// <param name="StepSeconds">Bucket width.</param>
/// <param name="MinScore">When set, anomaly marks are the <c>aiops_anomaly</c> points scoring at least this; otherwise the flagged ones.</param>
public sealed record GetSeriesQuery(string Entity, string? Kind, SeriesKey Series, long FromNs, long ToNs, long StepSeconds, double? MinScore) : IQuery<SeriesDto>;

/// <summary>
/// Reads the series from InfluxDB (raw values, <c>aiops_anomaly</c>, <c>aiops_forecast</c>: three statements in one
/// request, after one <c>SHOW TAG KEYS</c>) and the episode onsets from the anomaly log grain.
/// </summary>
/// <remarks>
/// The settings are bound from <c>Influx</c> on every call rather than once: the API registers nothing of its own, and
/// a reloaded configuration (or a test pointing the silo elsewhere) takes effect at once. Binding a dozen keys costs
/// microseconds against a query that costs milliseconds.
/// </remarks>
public sealed class GetSeriesHandler(IHttpClientFactory httpFactory, IConfiguration configuration, IGrainFactory grains) : IQueryHandler<GetSeriesQuery, SeriesDto>
{
    /// <summary>Episode onsets returned at most (default 200, the newest).</summary>
    public const int MaxEpisodes = 200;

    /// <summary>The HttpClient name (pooled handlers from the factory).</summary>
    public const string HttpClientName = "Aiops.Api.Series";

    // Routing tags: the grains leave them out of the series key, so they never count as "other tags must be absent".
    private static readonly HashSet<string> RoutingTags = new(StringComparer.Ordinal) { "host", "ci" };

    public async ValueTask<SeriesDto> Handle(GetSeriesQuery q, CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(InfluxConnectionOptions.Section).Get<InfluxConnectionOptions>() ?? new InfluxConnectionOptions();
        var reader = new InfluxReader(httpFactory.CreateClient(HttpClientName), options);
        var rp = string.IsNullOrEmpty(options.RetentionPolicy) ? string.Empty : InfluxQl.Identifier(options.RetentionPolicy) + ".";
        var measurement = rp + InfluxQl.Identifier(q.Series.Measurement);

        // The key names every non-routing tag of its points, so any other tag key of the measurement must be absent
        // ("k" = '' matches a missing tag); otherwise cpu.usage_active would also average cpu=cpu0, cpu1, ….
        var tagKeys = (await reader.QueryAsync([$"SHOW TAG KEYS FROM {measurement}"], cancellationToken).ConfigureAwait(false))[0]
            .SelectMany(s => s.Rows).Select(r => r[0].GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var own = q.Series.Tags.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var tagFilter = string.Concat(
            q.Series.Tags.Select(t => $" AND {InfluxQl.Identifier(t.Key)} = {InfluxQl.String(t.Value)}")
                .Concat(tagKeys.Where(k => !own.Contains(k) && !RoutingTags.Contains(k)).Order(StringComparer.Ordinal).Select(k => $" AND {InfluxQl.Identifier(k)} = ''")));

        var entity = InfluxQl.String(q.Entity);
        var entityFilter = q.Kind switch
        {
            "host" => $"\"host\" = {entity}",
            "ci" => $"\"ci\" = {entity}",
            _ => $"(\"host\" = {entity} OR \"ci\" = {entity})",
        };
        var time = $"time >= {q.FromNs.ToString(CultureInfo.InvariantCulture)} AND time < {q.ToNs.ToString(CultureInfo.InvariantCulture)}";
        var group = $"GROUP BY time({q.StepSeconds.ToString(CultureInfo.InvariantCulture)}s) fill(none)";
        var seriesFilter = $"\"series\" = {InfluxQl.String(q.Series.Key)}";
        var flagged = q.MinScore is { } min ? $"\"score\" >= {InfluxQl.Number(min)}" : "\"anomaly\" = true";

        string[] statements =
        [
            $"SELECT mean({InfluxQl.Identifier(q.Series.Field)}) AS \"value\" FROM {measurement} WHERE {entityFilter}{tagFilter} AND {time} {group}",
            $"SELECT max(\"score\") AS \"score\", mean(\"value\") AS \"value\", count(\"score\") AS \"points\" FROM {rp}\"aiops_anomaly\" WHERE {entityFilter} AND {seriesFilter} AND {flagged} AND {time} {group}",
            $"SELECT mean(\"predicted\") AS \"predicted\", mean(\"lower\") AS \"lower\", mean(\"upper\") AS \"upper\" FROM {rp}\"aiops_forecast\" WHERE {entityFilter} AND {seriesFilter} AND {time} {group}",
        ];
        var results = await reader.QueryAsync(statements, cancellationToken).ConfigureAwait(false);

        var points = Rows(results[0]).Select(r => new SeriesPointDto(r.Time, r.Values[0])).ToList();
        var anomalies = Rows(results[1]).Select(r => new AnomalyMarkDto(r.Time, r.Values[0], r.Values[1], (long)r.Values[2])).ToList();
        var forecast = Rows(results[2]).Select(r => new ForecastPointDto(r.Time, r.Values[0], r.Values[1], r.Values[2])).ToList();

        // Episodes: the log lists every series of the entity, so ask for the most it serves and keep this series' own
        // (a joint anomaly names its top series as "host:<series>").
        var events = await grains.GetGrain<IAnomalyLogGrain>(AnomalyStreams.AllKey).List(q.FromNs, q.ToNs - 1, q.Entity, 10_000).ConfigureAwait(false);
        var episodes = events
            .Where(e => !e.Ended && (e.Series == q.Series.Key || e.Series == "host:" + q.Series.Key))
            .Where(e => q.Kind is null || (q.Kind == "host") == (e.Kind == EntityKind.Host))
            .Take(MaxEpisodes)
            .Select(e => new AnomalyEpisodeDto(e.Id, UnixNanos.ToTime(e.TimestampNs), e.Detector, e.Score, e.Value))
            .Reverse()
            .ToList();

        return new SeriesDto(
            q.Entity,
            q.Kind,
            q.Series.Key,
            q.Series.Measurement,
            q.Series.Field,
            q.Series.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            UnixNanos.ToTime(q.FromNs),
            UnixNanos.ToTime(q.ToNs),
            q.StepSeconds,
            points,
            anomalies,
            episodes,
            forecast);
    }

    /// <summary>Rows of the first series whose every value column is a number (time first, in ns), in time order.</summary>
    private static IEnumerable<(DateTimeOffset Time, double[] Values)> Rows(IReadOnlyList<InfluxSeries> series)
    {
        if (series.Count == 0)
        {
            yield break;
        }

        foreach (var row in series[0].Rows)
        {
            if (row.Length < 2 || row[0].ValueKind != JsonValueKind.Number || row.Skip(1).Any(v => v.ValueKind != JsonValueKind.Number))
            {
                continue;
            }

            yield return (UnixNanos.ToTime(row[0].GetInt64()), row.Skip(1).Select(v => v.GetDouble()).ToArray());
        }
    }
}
