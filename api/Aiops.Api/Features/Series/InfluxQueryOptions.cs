namespace Aiops.Api.Features.Series;

/// <summary>
/// The settings of section <c>Influx</c> that reading needs: the same keys the writer uses (<c>Influx:Url</c>,
/// <c>Influx:Database</c>, …), so reads go where the writes went, with the same credentials.
/// </summary>
public sealed class InfluxQueryOptions
{
    /// <summary>The configuration section (shared with the writer).</summary>
    public const string Section = "Influx";

    /// <summary>Base URL (default <c>http://127.0.0.1:8086</c>).</summary>
    public string Url { get; set; } = "http://127.0.0.1:8086";

    /// <summary>Database queried (default <c>aiops</c>); with <see cref="ApiVersion"/> <c>v2</c>, <see cref="Bucket"/> when set (DBRP mapping).</summary>
    public string Database { get; set; } = "aiops";

    /// <summary>Retention policy the writer writes to; measurements are read from it when set.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary><c>v1</c> (default) or <c>v2</c>; both are read with InfluxQL over <c>/query</c>.</summary>
    public string ApiVersion { get; set; } = "v1";

    /// <summary>v1 user (query <c>u</c>), optional.</summary>
    public string? Username { get; set; }

    /// <summary>v1 password (query <c>p</c>), optional.</summary>
    public string? Password { get; set; }

    /// <summary>Token (<c>Authorization: Token …</c>), optional; InfluxDB 2.x's v1 API accepts it too.</summary>
    public string? Token { get; set; }

    /// <summary>v2 bucket (default: <see cref="Database"/>).</summary>
    public string? Bucket { get; set; }

    /// <summary>The database name InfluxQL runs against.</summary>
    public string QueryDatabase => ApiVersion == "v2" && !string.IsNullOrEmpty(Bucket) ? Bucket : Database;
}
