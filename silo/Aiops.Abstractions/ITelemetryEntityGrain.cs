using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>Common contract of the grains that own one entity's live telemetry state.</summary>
public interface ITelemetryEntityGrain : IGrainWithStringKey
{
    /// <summary>Receives a batch of samples for this entity (one call per entity per ingest batch, never per point).</summary>
    Task Ingest(TelemetryBatch batch);

    /// <summary>Returns the entity's live state: each series' latest value, time, count and rate.</summary>
    Task<EntityState> GetState();
}
