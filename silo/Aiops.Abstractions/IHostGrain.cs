namespace Aiops.Abstractions;

/// <summary>The grain of one host, keyed by the value of the point tag <c>host</c>.</summary>
[Alias("aiops.IHostGrain")]
public interface IHostGrain : ITelemetryEntityGrain;
