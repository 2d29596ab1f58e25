namespace Aiops.Ingest;

/// <summary>Ingest limits and settings (section <c>Aiops:Ingest</c>), enforced with a clear error.</summary>
public sealed class IngestOptions
{
    public const string Section = "Aiops:Ingest";

    /// <summary>Longest accepted line, in bytes (default 64 KiB).</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024;

    /// <summary>Largest accepted request body after decompression, in bytes (default 32 MiB); larger answers 413.</summary>
    public long MaxBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Most tags per point (default 64).</summary>
    public int MaxTagsPerPoint { get; set; } = 64;

    /// <summary>Most fields per point (default 512).</summary>
    public int MaxFieldsPerPoint { get; set; } = 512;

    /// <summary>
    /// Most distinct series per host or CI (default 10,000; the same key the entity grains read): a point that would add
    /// series past it is rejected and reported, points of existing series keep flowing.
    /// </summary>
    public int MaxSeriesPerEntity { get; set; } = 10_000;

    /// <summary>Most bad lines or points named one by one in an error answer (default 100).</summary>
    public int MaxReportedErrors { get; set; } = 100;
}
