using Aiops.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Storage;

namespace Aiops.Grains.Tests.Persistence;

public sealed class SqliteGrainStorageSiloBuilderExtensionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AddSqliteGrainStorage_DefaultName_ResolvesKeyedAndUnkeyedWithBinarySerializer()
    {
        await using var services = Services(o => o.DataDirectory = _dir.Path);

        var keyed = services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var storage = Assert.IsType<SqliteGrainStorage>(keyed);
        Assert.Same(keyed, services.GetRequiredService<IGrainStorage>());
        Assert.Equal(Path.Combine(_dir.Path, "aiops.db"), storage.DatabasePath);
        Assert.Contains(services.GetServices<ILifecycleParticipant<ISiloLifecycle>>(), p => ReferenceEquals(p, storage));
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<SqliteGrainStorageOptions>>()
            .Get(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        Assert.IsType<OrleansGrainStorageSerializer>(options.GrainStorageSerializer);
    }

    [Fact]
    public async Task AddSqliteGrainStorage_EmptyDataDirectory_ValidatorNamesTheSetting()
    {
        await using var services = Services(o => o.DataDirectory = "");

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var validator in services.GetServices<IConfigurationValidator>())
            {
                validator.ValidateConfiguration();
            }
        });
        Assert.Contains("DataDirectory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Aiops:DataDirectory", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Action<SqliteGrainStorageOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSerializer();
        services.AddLogging();
        services.Configure<ClusterOptions>(o => o.ServiceId = "svc");
        services.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);
        return services.BuildServiceProvider();
    }
}
