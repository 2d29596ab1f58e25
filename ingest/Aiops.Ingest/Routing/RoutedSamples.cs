using Aiops.Abstractions.Models;

namespace Aiops.Ingest.Routing;

/// <summary>The numeric samples of one ingest request, grouped by entity. Built by one request thread, then handed off.</summary>
public sealed class RoutedSamples
{
    public Dictionary<string, List<SeriesSample>> Hosts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<SeriesSample>> Cis { get; } = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(EntityKind kind, string key, in SeriesSample sample)
    {
        var map = kind == EntityKind.Host ? Hosts : Cis;
        if (!map.TryGetValue(key, out var list))
        {
            list = [];
            map.Add(key, list);
        }

        list.Add(sample);
        Count++;
    }
}
