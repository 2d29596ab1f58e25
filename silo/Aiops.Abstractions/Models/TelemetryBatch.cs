namespace Aiops.Abstractions.Models;

/// <summary>
/// The samples of one entity (host or CI) from one or more ingest requests, delivered in one grain call.
/// Samples of a series are in arrival order; event time is the sample timestamp, never wall clock.
/// </summary>
/// <remarks>Immutable: Orleans passes it to local grains without a deep copy, which matters on the hot path.</remarks>
[GenerateSerializer, Immutable, Alias("aiops.TelemetryBatch")]
public sealed record TelemetryBatch([property: Id(0)] SeriesSample[] Samples);
