using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Aiops.Silo.Cluster;

/// <summary>Cluster mode on PostgreSQL with Orleans' own ADO.NET providers (clustering, grain storage, reminders).</summary>
public static class ClusterSiloBuilderExtensions
{
    /// <summary>
    /// Joins the cluster <see cref="HostOptions.ClusterId"/>/<see cref="HostOptions.ServiceId"/> recorded in PostgreSQL:
    /// silo-to-silo traffic on <see cref="HostOptions.SiloPort"/>, clients on <see cref="HostOptions.GatewayPort"/>,
    /// advertised on <see cref="ClusterSettings.AdvertisedFor"/>; the default grain storage and the reminder table
    /// are in the same database. <c>PubSubStore</c> and memory streams are left to the caller (they are per-silo
    /// in-memory either way; memory streams still deliver across silos of one cluster).
    /// </summary>
    public static ISiloBuilder UseAiopsPostgresCluster(this ISiloBuilder silo, HostOptions host, ClusterSettings cluster)
    {
        var connectionString = cluster.ConnectionString!;
        var listen = IPAddress.Parse(host.ListenAddress);
        var advertised = cluster.AdvertisedFor(listen);

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        silo.ConfigureEndpoints(advertised, host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: !advertised.Equals(listen));
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterSettings.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorageAsDefault((OptionsBuilder<AdoNetGrainStorageOptions> options) => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = ClusterSettings.NpgsqlInvariant;
            o.ConnectionString = connectionString;

            // Same payload format as the embedded SQLite storage: Orleans' binary serializer, not the provider's
            // default (JSON), because grain states are [GenerateSerializer] types whose [Id(n)] numbering is the
            // compatibility contract and detector snapshots are byte arrays JSON would inflate. Set in Configure so
            // it runs before the provider's post-configure fills in its default.
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterSettings.NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }
}
