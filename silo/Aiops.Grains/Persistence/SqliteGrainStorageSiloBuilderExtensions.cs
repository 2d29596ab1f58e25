using Aiops.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

// Orleans' convention: provider registrations live in Orleans.Hosting, so AddSqliteGrainStorage is found beside
// AddMemoryGrainStorage without an extra using.
namespace Orleans.Hosting;

/// <summary>Registers <see cref="SqliteGrainStorage"/> on a silo, the way Orleans' own storage providers register.</summary>
public static class SqliteGrainStorageSiloBuilderExtensions
{
    /// <summary>Adds SQLite grain storage as the default provider (states without a storage name).</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, Action<SqliteGrainStorageOptions>? configure = null) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>
    /// Adds SQLite grain storage named <paramref name="name"/> (the <c>storageName</c> of <c>[PersistentState]</c>).
    /// Options are validated when the silo starts, with an error naming the provider and the setting.
    /// </summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteGrainStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddSqliteGrainStorage(name, configure);
        return builder;
    }

    /// <summary>Service-collection form of <see cref="AddSqliteGrainStorage(ISiloBuilder, string, Action{SqliteGrainStorageOptions}?)"/>.</summary>
    public static IServiceCollection AddSqliteGrainStorage(this IServiceCollection services, string name, Action<SqliteGrainStorageOptions>? configure = null)
    {
        var options = services.AddOptions<SqliteGrainStorageOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // The binary serializer, not the silo-wide default (Newtonsoft JSON): our states are [GenerateSerializer]
        // types whose [Id(n)] numbering is the compatibility contract, and detector snapshots are byte arrays that
        // JSON would inflate by a third as base64.
        options.PostConfigure<IServiceProvider>((o, sp) =>
            o.GrainStorageSerializer ??= new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
        services.AddTransient<IConfigurationValidator>(sp => new SqliteGrainStorageOptionsValidator(
            sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, Create);
        return services;
    }

    private static SqliteGrainStorage Create(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
        services.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(name),
        services.GetRequiredService<IActivatorProvider>(),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetRequiredService<ILogger<SqliteGrainStorage>>());

    private sealed class SqliteGrainStorageOptionsValidator(SqliteGrainStorageOptions options, string name) : IConfigurationValidator
    {
        public void ValidateConfiguration() => options.Validate(name);
    }
}
