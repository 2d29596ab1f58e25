using Aiops.ServiceDefaults;

namespace Aiops.Ingest.Storage;

/// <summary>Settings of the InfluxDB writer (section <c>Influx</c>; environment: <c>Influx__Url</c>, …): the connection
/// (<see cref="InfluxConnectionOptions"/>) plus batching, back-pressure and the on-disk spool.</summary>
public sealed class InfluxOptions : InfluxConnectionOptions
{
    /// <summary>Points per batch (default 5,000).</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Longest a partial batch waits before it is sent, in ms (default 1,000).</summary>
    public int LingerMs { get; set; } = 1_000;

    /// <summary>
    /// Points queued in memory (sealed batches plus the open one) beyond which ingest pushes back with 503 /
    /// RESOURCE_EXHAUSTED (default 1,000,000: about 200 MB of line protocol).
    /// </summary>
    public long MaxQueuedPoints { get; set; } = 1_000_000;

    /// <summary>Batches written concurrently (default 2).</summary>
    public int MaxConcurrentWrites { get; set; } = 2;

    /// <summary>Timeout of one write attempt, in seconds (default 30).</summary>
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>Longest backoff between retries of a transient failure, in ms (default 30,000). Retries go on while the process runs.</summary>
    public int MaxBackoffMs { get; set; } = 30_000;

    /// <summary>Creates <see cref="Database"/> at start-up on v1 (default true).</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>
    /// Folder of the on-disk spool (default: <c>{Aiops:DataDirectory}/spool/{Database}</c>, or
    /// <c>{content root}/.data/spool/{Database}</c> when <c>Aiops:DataDirectory</c> is not set). The default ends with the
    /// database (or v2 bucket) so that spooled batches are replayed only to the database they were written for, and so
    /// that two silos in one process writing to different databases never share a spool (the spool is locked).
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Size cap of the spool in bytes (default 1 GiB, <see cref="DiskSpool.DefaultMaxBytes"/>); 0 disables spooling.</summary>
    public long SpoolMaxBytes { get; set; } = DiskSpool.DefaultMaxBytes;

    /// <summary>Size of one spool segment file in bytes (default 16 MiB, <see cref="DiskSpool.DefaultSegmentBytes"/>).</summary>
    public long SpoolSegmentBytes { get; set; } = DiskSpool.DefaultSegmentBytes;

    /// <summary>
    /// fsync the spool after every record (default false: each record is written to the OS at once, which survives a
    /// process crash, and fsynced on segment roll and shutdown; true also survives power loss at one disk flush per batch).
    /// </summary>
    public bool SpoolFsyncEachRecord { get; set; }

    /// <summary>Resolves <see cref="SpoolDirectory"/> against its defaults (see there).</summary>
    public string ResolveSpoolDirectory(string? dataDirectory, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(SpoolDirectory))
        {
            return Path.GetFullPath(SpoolDirectory, contentRoot);
        }

        var root = string.IsNullOrWhiteSpace(dataDirectory) ? Path.Combine(contentRoot, ".data") : Path.GetFullPath(dataDirectory, contentRoot);
        var target = ApiVersion == "v2" ? Bucket ?? Database : Database;
        foreach (var c in Path.GetInvalidFileNameChars())
        {
            target = target.Replace(c, '_');
        }

        return Path.Combine(root, "spool", target);
    }

    internal void Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Influx:Url '{Url}' is not an absolute URL.");
        }

        if (ApiVersion is not ("v1" or "v2"))
        {
            throw new InvalidOperationException($"Influx:ApiVersion must be 'v1' or 'v2', not '{ApiVersion}'.");
        }

        if (BatchSize is < 1 or > 1_000_000)
        {
            throw new InvalidOperationException($"Influx:BatchSize must be within 1..1000000, not {BatchSize}.");
        }

        if (LingerMs < 1 || MaxConcurrentWrites < 1 || MaxQueuedPoints < BatchSize)
        {
            throw new InvalidOperationException("Influx:LingerMs and Influx:MaxConcurrentWrites must be ≥ 1 and Influx:MaxQueuedPoints ≥ Influx:BatchSize.");
        }

        if (SpoolMaxBytes < 0 || (SpoolMaxBytes > 0 && SpoolSegmentBytes < 1024))
        {
            throw new InvalidOperationException($"Influx:SpoolMaxBytes must be ≥ 0 (0 = no spool) and Influx:SpoolSegmentBytes ≥ 1024, not {SpoolMaxBytes} and {SpoolSegmentBytes}.");
        }
    }
}
