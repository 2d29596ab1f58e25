using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains;

/// <summary>The grain of one configuration item (key: the <c>ci</c> tag).</summary>
public sealed class CiGrain(IOptions<EntityGrainOptions> options, TimeProvider time, ILogger<CiGrain> logger)
    : EntityGrainBase(options, time, logger), ICiGrain
{
    protected override EntityKind Kind => EntityKind.Ci;
}
