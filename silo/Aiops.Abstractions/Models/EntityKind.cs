namespace Aiops.Abstractions.Models;

/// <summary>What kind of entity a telemetry grain stands for: the tag that routed the point to it.</summary>
public enum EntityKind
{
    /// <summary>Routed by tag <c>host</c> to <c>HostGrain</c>.</summary>
    Host = 0,

    /// <summary>Routed by tag <c>ci</c> to <c>CiGrain</c>.</summary>
    Ci = 1,
}
