namespace Aiops.Abstractions;

/// <summary>The grain of one configuration item, keyed by the value of the point tag <c>ci</c>.</summary>
[Alias("aiops.ICiGrain")]
public interface ICiGrain : ITelemetryEntityGrain;
