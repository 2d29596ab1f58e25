namespace Aiops.Analytics.Correlation;

/// <summary>Tuning of <see cref="Correlator"/>. Defaults are named constants and repeated in the docs.</summary>
public sealed class CorrelatorOptions
{
    /// <summary>An event may join an incident it is explained by (same CI, upstream of members) when the
    /// incident's last event is at most this old. Default 15 min.</summary>
    public TimeSpan JoinGap { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A parent that reported an anomaly explains a dependent's event (parent/child suppression) when
    /// its last event is at most this old: one hop of propagation plus detection delay. A parent that is down
    /// explains them for <see cref="JoinGap"/>. Default 3 min.</summary>
    public TimeSpan PropagationWindow { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Window for joins through a shared, silent ancestor (siblings). Default 10 min.</summary>
    public TimeSpan SiblingWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>An incident resolves after this long without events. Default 30 min.</summary>
    public TimeSpan QuietGap { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A resolved incident reopens when a CI that covers at least 80 % of it reports again within this, counted from the
    /// incident's last burst of two or more events (a lone event does not extend it). A parent inferred for a CI
    /// that lost its relation (learned schema) also holds for this long. Default 60 min.</summary>
    public TimeSpan FlapWindow { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Like <see cref="CoincidenceLimit"/> for an upstream CI that reported (its own event is
    /// evidence of a failure, so the bar is lower). Default 0.25.</summary>
    public double ReporterCoincidenceLimit { get; init; } = 0.25;

    /// <summary>How long after the first symptoms under it a reporting upstream CI may still join as their
    /// late root. Default 5 min.</summary>
    public TimeSpan LateRootWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Shortest time span used in the sibling coincidence test (event timestamps and propagation
    /// jitter make closer onsets no more telling). Default 60 s.</summary>
    public TimeSpan MinOnsetSpan { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Highest accepted probability that an independent onset somewhere under the shared ancestor
    /// explains a sibling event by chance. Default 0.1.</summary>
    public double CoincidenceLimit { get; init; } = 0.1;

    /// <summary>Share of an ancestor's dependents that, once symptomatic, makes the ancestor a shared cause
    /// whatever its size (storms with silent roots). Default 0.1.</summary>
    public double StormShare { get; init; } = 0.1;

    /// <summary>Highest Poisson tail probability of that many independent onsets under one CI within the
    /// sibling window for active incidents under it to be merged as fragments of one fault (10 times
    /// more when that CI itself reports, 100 times when it reports down). The test runs at every event, hence the small default 1e-4.</summary>
    public double MergeSignificance { get; init; } = 1e-4;

    /// <summary>Share of an incident's recent members a CI must cover for the incident to count as a
    /// fragment under it. Default 0.8.</summary>
    public double FragmentCoverage { get; init; } = 0.8;

    /// <summary>For a CI that lost its upstream relations: join a sibling incident active this recently. Default 2 min.</summary>
    public TimeSpan OrphanWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Recent members (decayed) an incident needs before a CI without upstream relations joins
    /// it on time alone. Default 5.</summary>
    public double OrphanMinBurst { get; init; } = 5;

    /// <summary>Prior rate of independent onsets per CI (per second), blended with the observed rate of
    /// opened incidents over the first 6 h. Default 1 per 3 days.</summary>
    public double PriorOnsetRatePerCiSecond { get; init; } = 1.0 / (3 * 86400);

    /// <summary>A silent upstream CI links an event to an incident (sibling join) only if it covers at least
    /// this share of the incident's recently joined members (it is a plausible root of both; a CI covering
    /// half of them is as likely the wrong one of two silent parents). Default 0.8.</summary>
    public double MinRootCoverage { get; init; } = 0.8;

    /// <summary>A reporting CI joins an incident as its possible (late) root when it covers at least this
    /// share of the incident's recent members. Default 0.3.</summary>
    public double MinUpstreamCoverage { get; init; } = 0.3;

    /// <summary>Root-cause candidates kept per incident (root included). Default 5.</summary>
    public int MaxRootCandidates { get; init; } = 5;
}
