using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains;

/// <summary>The grain of one host (key: the <c>host</c> tag).</summary>
public sealed class HostGrain(IOptions<EntityGrainOptions> options, TimeProvider time, ILogger<HostGrain> logger)
    : EntityGrainBase(options, time, logger), IHostGrain
{
    protected override EntityKind Kind => EntityKind.Host;
}
