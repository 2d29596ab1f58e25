namespace Aiops.Api.Features.Series;

/// <summary>One series of a host or CI over a window: downsampled values, anomaly marks, episodes and forecast band.</summary>
/// <param name="Entity">The host name or CI id.</param>
/// <param name="Kind"><c>host</c> or <c>ci</c> when the caller chose one; null matches either tag.</param>
/// <param name="Series">The series key (<c>measurement.field{tags}</c>).</param>
/// <param name="Measurement">Measurement read.</param>
/// <param name="Field">Field read.</param>
/// <param name="Tags">Tags of the key other than <c>host</c>/<c>ci</c>; every other tag of the measurement must be absent.</param>
/// <param name="From">Window start (inclusive).</param>
/// <param name="To">Window end (exclusive).</param>
/// <param name="StepSeconds">Bucket width of <paramref name="Points"/>, <paramref name="Anomalies"/> and <paramref name="Forecast"/>.</param>
/// <param name="Points">Mean value per bucket, empty buckets left out; at most <see cref="SeriesApi.MaxPoints"/>.</param>
/// <param name="Anomalies">Buckets holding <c>aiops_anomaly</c> points of this series that are flagged (or score at least <c>minScore</c>).</param>
/// <param name="Episodes">Anomaly episodes of this series (onsets from the anomaly log) in the window, oldest first.</param>
/// <param name="Forecast">The <c>aiops_forecast</c> band per bucket in the window (stamped at the time it forecasts).</param>
public sealed record SeriesDto(
    string Entity,
    string? Kind,
    string Series,
    string Measurement,
    string Field,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset From,
    DateTimeOffset To,
    long StepSeconds,
    IReadOnlyList<SeriesPointDto> Points,
    IReadOnlyList<AnomalyMarkDto> Anomalies,
    IReadOnlyList<AnomalyEpisodeDto> Episodes,
    IReadOnlyList<ForecastPointDto> Forecast);

/// <summary>Mean of a bucket (time = bucket start).</summary>
public sealed record SeriesPointDto(DateTimeOffset Time, double Value);

/// <summary>A bucket with anomalous points: highest score, mean value of those points, how many.</summary>
public sealed record AnomalyMarkDto(DateTimeOffset Time, double Score, double Value, long Points);

/// <summary>The onset of an anomaly episode as the anomaly log holds it.</summary>
public sealed record AnomalyEpisodeDto(string Id, DateTimeOffset Time, string Detector, double Score, double Value);

/// <summary>The forecast band of a bucket: predicted value and its lower/upper bounds (means over the bucket).</summary>
public sealed record ForecastPointDto(DateTimeOffset Time, double Predicted, double Lower, double Upper);
