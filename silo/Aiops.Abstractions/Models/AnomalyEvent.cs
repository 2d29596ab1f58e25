namespace Aiops.Abstractions.Models;

/// <summary>
/// An anomaly episode of one series: raised once at onset (score at or above the threshold), not per point; a later
/// episode of the same series is a new event. Published on the <c>anomalies</c> stream (<see cref="AnomalyStreams"/>).
/// </summary>
/// <param name="Id">Stable id: <c>{kind}/{entity}/{series}/{onset ns}</c>.</param>
/// <param name="Kind">Host or CI.</param>
/// <param name="Entity">Host name or CI id.</param>
/// <param name="Series">Series key inside the entity.</param>
/// <param name="Detector">Detector name.</param>
/// <param name="Score">Score at onset, in [0,1].</param>
/// <param name="Value">Value at onset.</param>
/// <param name="TimestampNs">Event time of the onset (or of the end, when <paramref name="Ended"/>), Unix ns.</param>
/// <param name="Ended">False for the onset; true for the end of the episode (the series has been quiet for
/// <c>Aiops:Analytics:EpisodeQuietPoints</c> points <em>and</em> is back near its pre-onset level, or a level that never
/// returned was accepted as the new normal after <c>EpisodeMaxHours</c>; see <c>AnomalyEpisode</c>), which the incident
/// manager reads as the member's recovery. The end carries the onset's <paramref name="Id"/>.</param>
[GenerateSerializer, Immutable, Alias("aiops.AnomalyEvent")]
public sealed record AnomalyEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] EntityKind Kind,
    [property: Id(2)] string Entity,
    [property: Id(3)] string Series,
    [property: Id(4)] string Detector,
    [property: Id(5)] double Score,
    [property: Id(6)] double Value,
    [property: Id(7)] long TimestampNs,
    [property: Id(8)] bool Ended = false);

/// <summary>Names of the event streams grains publish and subscribe to.</summary>
public static class AnomalyStreams
{
    /// <summary>The Orleans stream provider (memory streams in one silo or a cluster).</summary>
    public const string Provider = "events";

    /// <summary>Stream namespace of anomaly events; the single stream key is <see cref="AllKey"/>.</summary>
    public const string Namespace = "anomalies";

    /// <summary>Key of the stream carrying every anomaly event.</summary>
    public const string AllKey = "all";
}
