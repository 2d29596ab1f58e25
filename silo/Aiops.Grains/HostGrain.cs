using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains;

/// <summary>The grain of one host (key: the <c>host</c> tag).</summary>
public sealed class HostGrain(
    [PersistentState("analytics")] IPersistentState<EntityAnalyticsState> state,
    IDerivedPointSink derived,
    IOptions<EntityGrainOptions> limits,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    ILogger<HostGrain> logger)
    : EntityGrainBase(state, derived, limits, analytics, time, logger), IHostGrain
{
    protected override EntityKind Kind => EntityKind.Host;
}
