namespace Aiops.Api.Features.Reports;

/// <summary>
/// One prediction in the predicted-incidents report: what was predicted, what happened, and the incident and ticket it
/// led to. Times are ISO-8601 UTC; durations in minutes. <see cref="LeadMinutes"/> and <see cref="EtaErrorMinutes"/>
/// are null until a crossing graded the prediction.
/// </summary>
public sealed record PredictedIncidentRow(
    string PredictionId,
    string Entity,
    string CiType,
    string Series,
    string Metric,
    double Threshold,
    DateTimeOffset FirstAlert,
    DateTimeOffset? Eta,
    DateTimeOffset? EtaLow,
    DateTimeOffset? EtaHigh,
    double Probability,
    string State,
    DateTimeOffset? Crossing,
    string Grade,
    double? LeadMinutes,
    double? EtaErrorMinutes,
    string? IncidentId,
    string? TicketId);

/// <summary>
/// Summary of one group (a CI type or a metric) over the report's rows. Grade counts, <see cref="Precision"/> and the
/// medians cover the window; <see cref="LedgerRecall"/> is the ledger's all-time recall for the same group from the
/// scorecard (missed crossings are not per prediction, so recall cannot be cut to the window), null when the scorecard
/// has no group of that name.
/// </summary>
public sealed record PredictedIncidentSummary(
    string Group,
    int Predictions,
    int Hits,
    int Early,
    int Late,
    int FalseAlarms,
    int Pending,
    double? Precision,
    double? LedgerRecall,
    double? MedianLeadMinutes,
    double? MedianEtaErrorMinutes);

/// <summary>The predicted-incidents report over [<see cref="From"/>, <see cref="To"/>) on the first alert time.</summary>
public sealed record PredictedIncidentReport(
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<PredictedIncidentRow> Rows,
    IReadOnlyList<PredictedIncidentSummary> ByCiType,
    IReadOnlyList<PredictedIncidentSummary> ByMetric);
