using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>
/// The prediction ledger (key <c>"all"</c>): every prediction, fed by an implicit subscription to the
/// <c>predictions</c> stream, graded when its time comes (hit, early, late, false alarm; crossings no prediction
/// caught are missed), persisted.
/// </summary>
[Alias("aiops.IPredictionLedgerGrain")]
public interface IPredictionLedgerGrain : IGrainWithStringKey
{
    /// <summary>Predictions, newest first: <paramref name="state"/> is <c>open</c>, <c>closed</c> (withdrawn or graded) or <c>all</c>.</summary>
    Task<IReadOnlyList<PredictionRecord>> List(string state, string? entity, int limit);

    /// <summary>Precision, recall, lead time and ETA error overall, per metric and per CI type.</summary>
    Task<Scorecard> GetScorecard();
}
