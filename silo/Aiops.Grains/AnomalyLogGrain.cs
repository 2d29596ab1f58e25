using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Aiops.Grains;

/// <summary>
/// Keeps the most recent anomaly events (at most <see cref="Capacity"/>) from the <c>anomalies</c> stream, which it
/// follows through an implicit subscription, for <c>GET /api/v1/anomalies</c>.
/// </summary>
/// <remarks>In memory: after a silo restart the list refills from new events; the durable record is
/// <c>aiops_anomaly</c> in InfluxDB.</remarks>
[ImplicitStreamSubscription(AnomalyStreams.Namespace)]
public sealed class AnomalyLogGrain : Grain, IAnomalyLogGrain, IStreamSubscriptionObserver, IAsyncObserver<AnomalyEvent>
{
    /// <summary>Events kept (default 10,000), oldest dropped first.</summary>
    public const int Capacity = 10_000;

    private readonly LinkedList<AnomalyEvent> _events = new();

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<AnomalyEvent>().ResumeAsync(this);

    public Task OnNextAsync(AnomalyEvent item, StreamSequenceToken? token = null)
    {
        if (item.Ended)
        {
            // The log lists episodes by onset; the end of an episode is for the incident manager.
            return Task.CompletedTask;
        }

        _events.AddLast(item);
        if (_events.Count > Capacity)
        {
            _events.RemoveFirst();
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<IReadOnlyList<AnomalyEvent>> List(long fromNs, long toNs, string? entity, int limit)
    {
        var result = new List<AnomalyEvent>();
        for (var node = _events.Last; node is not null && result.Count < limit; node = node.Previous)
        {
            var e = node.Value;
            if (e.TimestampNs >= fromNs && e.TimestampNs <= toNs && (entity is null || e.Entity == entity))
            {
                result.Add(e);
            }
        }

        return Task.FromResult<IReadOnlyList<AnomalyEvent>>(result);
    }
}
