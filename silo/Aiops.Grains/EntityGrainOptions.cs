namespace Aiops.Grains;

/// <summary>Limits of the entity grains, read from the ingest section (<c>Aiops:Ingest</c>) they belong with.</summary>
public sealed class EntityGrainOptions
{
    public const string Section = "Aiops:Ingest";

    /// <summary>
    /// Most distinct series per host or CI (default 10,000). A new series beyond it is rejected from analysis and
    /// counted in <c>RejectedSeries</c>; existing series keep flowing. Raw points are stored regardless.
    /// </summary>
    public int MaxSeriesPerEntity { get; set; } = 10_000;
}
