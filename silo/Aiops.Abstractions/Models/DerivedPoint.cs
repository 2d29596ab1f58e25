namespace Aiops.Abstractions.Models;

/// <summary>
/// A derived point the grains write to InfluxDB (<c>aiops_anomaly</c>, <c>aiops_forecast</c>, <c>aiops_prediction</c>,
/// <c>aiops_incident</c>; DESIGN §5). Field values are <see cref="double"/>, <see cref="long"/>, <see cref="bool"/> or
/// <see cref="string"/>.
/// </summary>
public sealed record DerivedPoint(
    string Measurement,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<KeyValuePair<string, object>> Fields,
    long TimestampNs);
