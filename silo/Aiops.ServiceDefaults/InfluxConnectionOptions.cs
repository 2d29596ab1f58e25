namespace Aiops.ServiceDefaults;

/// <summary>
/// Where InfluxDB is and how to authenticate (section <c>Influx</c>; environment: <c>Influx__Url</c>, …). The writer
/// (<c>Aiops.Ingest.Storage.InfluxOptions</c>, which adds its batching and spool settings) and the readers (the series
/// API) bind the same section, so reads go where the writes went, with the same credentials.
/// </summary>
public class InfluxConnectionOptions
{
    public const string Section = "Influx";

    /// <summary>Base URL (default <c>http://127.0.0.1:8086</c>).</summary>
    public string Url { get; set; } = "http://127.0.0.1:8086";

    /// <summary>Database for v1 writes and InfluxQL queries (default <c>aiops</c>).</summary>
    public string Database { get; set; } = "aiops";

    /// <summary>Optional retention policy for v1 writes; measurements are read from it when set.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>
    /// <c>v1</c> (default: <c>/write</c>, accepted by InfluxDB 1.x, 2.x and 3.x) or <c>v2</c> (<c>/api/v2/write</c> with a
    /// token). Reads use InfluxQL over <c>/query</c> with either.
    /// </summary>
    public string ApiVersion { get; set; } = "v1";

    /// <summary>v1 user (query <c>u</c>), optional.</summary>
    public string? Username { get; set; }

    /// <summary>v1 password (query <c>p</c>), optional.</summary>
    public string? Password { get; set; }

    /// <summary>v2 token (<c>Authorization: Token …</c>); also sent on v1 when set, as InfluxDB 2.x's v1 API accepts it.</summary>
    public string? Token { get; set; }

    /// <summary>v2 organisation.</summary>
    public string? Org { get; set; }

    /// <summary>v2 bucket (default: <see cref="Database"/>).</summary>
    public string? Bucket { get; set; }

    /// <summary>The database name InfluxQL runs against: the bucket on v2 when set (DBRP mapping), else <see cref="Database"/>.</summary>
    public string QueryDatabase => ApiVersion == "v2" && !string.IsNullOrEmpty(Bucket) ? Bucket : Database;
}
