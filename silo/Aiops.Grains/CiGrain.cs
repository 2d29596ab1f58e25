using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains;

/// <summary>The grain of one configuration item (key: the <c>ci</c> tag).</summary>
public sealed class CiGrain(
    [PersistentState("analytics")] IPersistentState<EntityAnalyticsState> state,
    IDerivedPointSink derived,
    IOptions<EntityGrainOptions> limits,
    IOptions<AnalyticsOptions> analytics,
    TimeProvider time,
    ILogger<CiGrain> logger)
    : EntityGrainBase(state, derived, limits, analytics, time, logger), ICiGrain
{
    protected override EntityKind Kind => EntityKind.Ci;
}
