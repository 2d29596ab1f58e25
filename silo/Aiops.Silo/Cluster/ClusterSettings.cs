using System.Net;

namespace Aiops.Silo.Cluster;

/// <summary>
/// How silos find each other and where grain state lives (section <c>Aiops:Cluster</c>; environment
/// <c>Aiops__Cluster__Mode</c>, …). Cluster and service ids, ports and the listen address stay in <see cref="HostOptions"/>.
/// </summary>
public sealed class ClusterSettings
{
    /// <summary>The configuration section, <c>Aiops:Cluster</c>.</summary>
    public const string Section = "Aiops:Cluster";

    /// <summary>Single silo: localhost clustering, grain state in SQLite under the data directory.</summary>
    public const string Embedded = "embedded";

    /// <summary>Several silos: membership, grain state and reminders in PostgreSQL (Orleans' ADO.NET providers).</summary>
    public const string Postgres = "postgres";

    /// <summary>The ADO.NET invariant the Orleans providers load for PostgreSQL.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary><c>embedded</c> (default) or <c>postgres</c>; case-insensitive.</summary>
    public string Mode { get; set; } = Embedded;

    /// <summary>
    /// Npgsql connection string of the database prepared with <c>scripts/sql</c> (postgres mode only; no default),
    /// e.g. <c>Host=127.0.0.1;Port=5432;Database=aiops;Username=aiops;Password=…</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The address other silos and clients use to reach this silo, an IP address or a host name resolved at start-up
    /// (postgres mode; default: <c>Aiops:ListenAddress</c>).
    /// Required when the listen address is a wildcard (<c>0.0.0.0</c>, <c>::</c>), which cannot be dialled.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>True for postgres mode. Throws naming the setting when the mode is neither known value.</summary>
    public bool IsPostgres => NormalizedMode() == Postgres;

    /// <summary>Checks the settings and returns the normalized mode; errors name the setting and its value.</summary>
    public string Validate()
    {
        var mode = NormalizedMode();
        if (mode == Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException(
                $"{Section}:Mode is '{Postgres}' but {Section}:ConnectionString is empty: give the Npgsql connection string of a database prepared with scripts/sql (see docs/cluster.md).");
        }

        if (AdvertisedAddress is not null && string.IsNullOrWhiteSpace(AdvertisedAddress))
        {
            throw new InvalidOperationException($"{Section}:AdvertisedAddress is empty: give an IP address or a host name.");
        }

        return mode;
    }

    /// <summary>The address advertised in the membership table for a silo listening on <paramref name="listen"/>.</summary>
    public IPAddress AdvertisedFor(IPAddress listen)
    {
        if (AdvertisedAddress is not null)
        {
            if (IPAddress.TryParse(AdvertisedAddress, out var ip))
            {
                return ip;
            }

            // A host name (e.g. a compose service or a pod's DNS name): this silo's address as the others will dial it.
            var resolved = Dns.GetHostAddresses(AdvertisedAddress).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? throw new InvalidOperationException($"{Section}:AdvertisedAddress '{AdvertisedAddress}' does not resolve to an IPv4 address.");
            return resolved;
        }

        if (listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any))
        {
            throw new InvalidOperationException(
                $"Aiops:ListenAddress is {listen}, a wildcard other silos cannot dial: set {Section}:AdvertisedAddress to this machine's address.");
        }

        return listen;
    }

    private string NormalizedMode()
    {
        var mode = (Mode ?? "").Trim().ToLowerInvariant();
        return mode is Embedded or Postgres
            ? mode
            : throw new InvalidOperationException($"{Section}:Mode is '{Mode}': expected '{Embedded}' (default, one silo) or '{Postgres}' (cluster).");
    }
}
