namespace Aiops.Abstractions.Models;

/// <summary>What happened to a series' threshold prediction, or that the series crossed its threshold.</summary>
public enum PredictionEventKind
{
    /// <summary>A prediction was raised.</summary>
    Raised = 0,

    /// <summary>A standing prediction changed materially (same id).</summary>
    Updated = 1,

    /// <summary>The trend went away; the prediction no longer stands.</summary>
    Withdrawn = 2,

    /// <summary>The series crossed its threshold: at or above it for at least 5 minutes (event time of the first such sample).</summary>
    Crossed = 3,
}

/// <summary>
/// A prediction event of one series, published on the <c>predictions</c> stream (<see cref="PredictionStreams"/>);
/// the ledger grades predictions from these, and the incident manager turns them into predicted incidents.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="PredictionId">Stable id of the prediction while it stands: <c>{host|ci}/{entity}/{series}/{first alert ms}</c>; empty for <see cref="PredictionEventKind.Crossed"/>.</param>
/// <param name="EntityKind">Host or CI.</param>
/// <param name="Entity">Host name or CI id.</param>
/// <param name="Series">Series key.</param>
/// <param name="Metric">Metric (<c>measurement.field</c>) whose threshold applies.</param>
/// <param name="Threshold">The threshold.</param>
/// <param name="TimeNs">Event time of the sample that caused it (alert time, or crossing time).</param>
/// <param name="EtaNs">Expected crossing (0 when withdrawn or crossed).</param>
/// <param name="LowNs">Early end of the interval.</param>
/// <param name="HighNs">Late end of the interval.</param>
/// <param name="Probability">Probability of the crossing within the horizon.</param>
/// <param name="Value">The series' value at <paramref name="TimeNs"/>.</param>
[GenerateSerializer, Immutable, Alias("aiops.PredictionEvent")]
public sealed record PredictionEvent(
    [property: Id(0)] PredictionEventKind Kind,
    [property: Id(1)] string PredictionId,
    [property: Id(2)] EntityKind EntityKind,
    [property: Id(3)] string Entity,
    [property: Id(4)] string Series,
    [property: Id(5)] string Metric,
    [property: Id(6)] double Threshold,
    [property: Id(7)] long TimeNs,
    [property: Id(8)] long EtaNs,
    [property: Id(9)] long LowNs,
    [property: Id(10)] long HighNs,
    [property: Id(11)] double Probability,
    [property: Id(12)] double Value);

/// <summary>Names of the prediction stream.</summary>
public static class PredictionStreams
{
    /// <summary>Stream namespace of prediction events (provider <see cref="AnomalyStreams.Provider"/>); the single key is <see cref="AnomalyStreams.AllKey"/>.</summary>
    public const string Namespace = "predictions";
}

/// <summary>How a graded prediction turned out.</summary>
public enum PredictionGrade
{
    /// <summary>Not graded yet.</summary>
    Pending = 0,

    /// <summary>The crossing came inside the predicted interval.</summary>
    Hit = 1,

    /// <summary>The crossing came, after the interval: the prediction was early.</summary>
    Early = 2,

    /// <summary>The crossing came, before the interval: the prediction was late.</summary>
    Late = 3,

    /// <summary>No crossing followed within the horizon (24 h) of the alert.</summary>
    FalseAlarm = 4,
}

/// <summary>One prediction in the ledger.</summary>
[GenerateSerializer, Immutable, Alias("aiops.PredictionRecord")]
public sealed record PredictionRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] EntityKind EntityKind,
    [property: Id(2)] string Entity,
    [property: Id(3)] string Series,
    [property: Id(4)] string Metric,
    [property: Id(5)] double Threshold,
    [property: Id(6)] long FirstAlertNs,
    [property: Id(7)] long UpdatedNs,
    [property: Id(8)] long EtaNs,
    [property: Id(9)] long LowNs,
    [property: Id(10)] long HighNs,
    [property: Id(11)] double Probability,
    [property: Id(12)] bool Open,
    [property: Id(13)] long? WithdrawnNs,
    [property: Id(14)] long? CrossingNs,
    [property: Id(15)] PredictionGrade Grade,
    [property: Id(16)] double Value);

/// <summary>Scorecard figures of one group of predictions (a metric, or an entity kind / CI type).</summary>
[GenerateSerializer, Immutable, Alias("aiops.ScorecardRow")]
public sealed record ScorecardRow(
    [property: Id(0)] string Group,
    [property: Id(1)] int Predictions,
    [property: Id(2)] int Hits,
    [property: Id(3)] int Early,
    [property: Id(4)] int Late,
    [property: Id(5)] int FalseAlarms,
    [property: Id(6)] int Pending,
    [property: Id(7)] int Crossings,
    [property: Id(8)] int MissedCrossings,
    [property: Id(9)] double? Precision,
    [property: Id(10)] double? Recall,
    [property: Id(11)] double? MedianLeadMinutes,
    [property: Id(12)] double? MedianEtaErrorMinutes,
    [property: Id(13)] double? MedianRelativeEtaError);

/// <summary>The self-grading scorecard.</summary>
[GenerateSerializer, Immutable, Alias("aiops.Scorecard")]
public sealed record Scorecard(
    [property: Id(0)] ScorecardRow Overall,
    [property: Id(1)] IReadOnlyList<ScorecardRow> ByMetric,
    [property: Id(2)] IReadOnlyList<ScorecardRow> ByCiType);
