using System.Buffers;
using Aiops.Analytics.Anomaly;
using Aiops.Grains.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Aiops.Grains.Tests.Persistence;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private const string StateName = "analytics";
    private static readonly GrainId Host1 = GrainId.Create("host", "web-01");

    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly List<SqliteGrainStorage> _opened = [];

    public void Dispose()
    {
        foreach (var storage in _opened)
        {
            storage.Dispose();
        }

        _services.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task WriteStateAsync_AnalyticsStateThenReopenedFile_RoundTripsCountsAndDetectorState()
    {
        var (state, detectors) = RealisticState();
        var written = new TestGrainState<EntityAnalyticsState>(state);
        await Open().WriteStateAsync(StateName, Host1, written);
        Assert.Equal("1", written.ETag);
        Assert.True(written.RecordExists);

        // A new provider on the same file after every connection is closed: what a silo restart sees.
        SqliteConnection.ClearAllPools();
        var read = new TestGrainState<EntityAnalyticsState>();
        await Open().ReadStateAsync(StateName, Host1, read);

        Assert.True(read.RecordExists);
        Assert.Equal("1", read.ETag);
        Assert.Equal(state.PointCount, read.State.PointCount);
        Assert.Equal(state.LastSeenNs, read.State.LastSeenNs);
        Assert.Equal(state.Series.Keys.Order(StringComparer.Ordinal), read.State.Series.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, expected) in state.Series)
        {
            var actual = read.State.Series[key];
            Assert.Equal(expected.LastValue, actual.LastValue);
            Assert.Equal(expected.LastTimestampNs, actual.LastTimestampNs);
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected.RatePerSecond, actual.RatePerSecond);
            Assert.Equal(expected.Detector, actual.Detector);
            Assert.Equal(expected.DetectorState, actual.DetectorState);

            // The restored detector continues exactly where the original stopped.
            var restored = DetectorFactory.Restore(actual.Detector!, actual.DetectorState);
            for (var i = 0; i < 50; i++)
            {
                var t = 10_000_000L + i * 10_000;
                Assert.Equal(detectors[key].Update(t, 60 + i % 7), restored.Update(t, 60 + i % 7));
            }
        }
    }

    [Fact]
    public async Task ReadStateAsync_NoRecord_ReturnsEmptyStateWithoutETag()
    {
        var read = new TestGrainState<EntityAnalyticsState> { ETag = "7", RecordExists = true };
        await Open().ReadStateAsync(StateName, Host1, read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.NotNull(read.State);
        Assert.Empty(read.State.Series);
        Assert.Equal(0, read.State.PointCount);
    }

    [Fact]
    public async Task WriteStateAsync_StaleETag_ThrowsInconsistentStateExceptionAndKeepsNewerState()
    {
        var storage = Open();
        await storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 }));
        var first = await Read(storage, Host1);
        var second = await Read(storage, Host1);

        first.State.PointCount = 2;
        await storage.WriteStateAsync(StateName, Host1, first);
        Assert.Equal("2", first.ETag);

        second.State.PointCount = 99;
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Host1, second));
        Assert.Equal("2", ex.StoredEtag);
        Assert.Equal("1", ex.CurrentEtag);
        Assert.Contains(Host1.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Read(storage, Host1)).State.PointCount);
    }

    [Fact]
    public async Task WriteStateAsync_NoETagOverExistingRecord_ThrowsInconsistentStateException()
    {
        var storage = Open();
        await storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 5 }));

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 6 })));
        Assert.Equal(5, (await Read(storage, Host1)).State.PointCount);
    }

    [Fact]
    public async Task WriteStateAsync_ForeignETag_ThrowsInconsistentStateException()
    {
        var state = new TestGrainState<EntityAnalyticsState>(new()) { ETag = "W/\"abc\"" };

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Open().WriteStateAsync(StateName, Host1, state));
        Assert.Contains("W/\"abc\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClearStateAsync_ThenRead_ReturnsNoRecordAndNextWriteSucceeds()
    {
        var storage = Open();
        var state = new TestGrainState<EntityAnalyticsState>(new() { PointCount = 42 });
        await storage.WriteStateAsync(StateName, Host1, state);

        await storage.ClearStateAsync(StateName, Host1, state);
        Assert.False(state.RecordExists);

        var read = await Read(storage, Host1);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State.PointCount);
        Assert.Equal(state.ETag, read.ETag);

        read.State.PointCount = 1;
        await storage.WriteStateAsync(StateName, Host1, read);
        var again = await Read(storage, Host1);
        Assert.True(again.RecordExists);
        Assert.Equal(1, again.State.PointCount);
    }

    [Fact]
    public async Task WriteStateAsync_ETagFromBeforeClear_ThrowsInconsistentStateException()
    {
        // A delete-and-restart-the-counter design would accept this write (ABA): the tombstone must not.
        var storage = Open();
        var owner = new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 });
        await storage.WriteStateAsync(StateName, Host1, owner);
        var stale = await Read(storage, Host1);

        await storage.ClearStateAsync(StateName, Host1, owner);
        var fresh = new TestGrainState<EntityAnalyticsState>(new() { PointCount = 2 });
        await storage.ReadStateAsync(StateName, Host1, fresh);
        fresh.State.PointCount = 2;
        await storage.WriteStateAsync(StateName, Host1, fresh);

        stale.State.PointCount = 100;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Host1, stale));
        Assert.Equal(2, (await Read(storage, Host1)).State.PointCount);
    }

    [Fact]
    public async Task ClearStateAsync_StaleETag_ThrowsInconsistentStateExceptionAndKeepsRecord()
    {
        var storage = Open();
        var first = new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 });
        await storage.WriteStateAsync(StateName, Host1, first);
        var stale = await Read(storage, Host1);
        await storage.WriteStateAsync(StateName, Host1, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, Host1, stale));
        Assert.True((await Read(storage, Host1)).RecordExists);
    }

    [Fact]
    public async Task ClearStateAsync_NoRecord_LeavesNoRecord()
    {
        var storage = Open();
        var state = new TestGrainState<EntityAnalyticsState>(new() { PointCount = 3 });

        await storage.ClearStateAsync(StateName, Host1, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.False((await Read(storage, Host1)).RecordExists);
    }

    [Fact]
    public async Task WriteStateAsync_ConcurrentGrains_EveryGrainKeepsItsLastWrite()
    {
        const int Grains = 48;
        const int WritesPerGrain = 6;
        var storage = Open();
        var (template, _) = RealisticState();

        // Each grain writes sequentially (as Orleans guarantees per activation) while all grains run at once.
        await Task.WhenAll(Enumerable.Range(0, Grains).Select(g => Task.Run(async () =>
        {
            var id = GrainId.Create("host", $"h-{g}");
            var state = new TestGrainState<EntityAnalyticsState>(new() { Series = template.Series });
            for (var w = 1; w <= WritesPerGrain; w++)
            {
                state.State.PointCount = g * 1000 + w;
                await storage.WriteStateAsync(StateName, id, state);
            }
        })));

        for (var g = 0; g < Grains; g++)
        {
            var read = await Read(storage, GrainId.Create("host", $"h-{g}"));
            Assert.Equal(g * 1000 + WritesPerGrain, read.State.PointCount);
            Assert.Equal(WritesPerGrain.ToString(System.Globalization.CultureInfo.InvariantCulture), read.ETag);
            Assert.Equal(template.Series.Count, read.State.Series.Count);
        }
    }

    [Fact]
    public async Task WriteStateAsync_RacingWritersWithSameETag_ExactlyOneWins()
    {
        // Two activations of one grain (e.g. during a silo failover) both hold ETag 1 and write at once.
        const int Writers = 16;
        var storage = Open();
        await storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 }));
        var copies = new List<TestGrainState<EntityAnalyticsState>>();
        for (var i = 0; i < Writers; i++)
        {
            var copy = await Read(storage, Host1);
            copy.State.PointCount = 100 + i;
            copies.Add(copy);
        }

        var outcomes = await Task.WhenAll(copies.Select(c => Task.Run(async () =>
        {
            try
            {
                await storage.WriteStateAsync(StateName, Host1, c);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        })));

        Assert.Single(outcomes, won => won);
        var winner = copies[Array.IndexOf(outcomes, true)];
        var stored = await Read(storage, Host1);
        Assert.Equal("2", stored.ETag);
        Assert.Equal(winner.State.PointCount, stored.State.PointCount);
    }

    [Fact]
    public async Task ReadStateAsync_SameGrainOtherStateNameOrService_IsIndependent()
    {
        var storage = Open();
        await storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 }));

        var otherName = new TestGrainState<EntityAnalyticsState>();
        await storage.ReadStateAsync("other", Host1, otherName);
        var otherService = new TestGrainState<EntityAnalyticsState>();
        await Open(serviceId: "another-service").ReadStateAsync(StateName, Host1, otherService);

        Assert.False(otherName.RecordExists);
        Assert.False(otherService.RecordExists);
    }

    [Fact]
    public async Task InitializeAsync_NewFile_CreatesDirectoryInWalMode()
    {
        var storage = Open();
        Assert.False(Directory.Exists(_dir.Path));

        await storage.InitializeAsync();

        Assert.True(File.Exists(Path.Combine(_dir.Path, SqliteGrainStorageOptions.DefaultFileName)));
        Assert.Equal("wal", await Pragma("journal_mode"));
        Assert.Equal(SqliteGrainStorage.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), await Pragma("user_version"));
    }

    [Fact]
    public async Task InitializeAsync_NewerSchemaVersion_ThrowsErrorNamingFile()
    {
        await Open().InitializeAsync();
        await Execute("PRAGMA user_version = 99;");

        var ex = await Assert.ThrowsAsync<SqliteGrainStorageException>(() => Open().InitializeAsync());
        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir.Path, "aiops.db"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadStateAsync_CorruptPayload_ThrowsErrorNamingGrainStateAndFileAndKeepsOtherGrains()
    {
        var storage = Open();
        var host2 = GrainId.Create("host", "web-02");
        await storage.WriteStateAsync(StateName, Host1, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 1 }));
        await storage.WriteStateAsync(StateName, host2, new TestGrainState<EntityAnalyticsState>(new() { PointCount = 2 }));
        await Execute($"UPDATE grain_state SET payload = x'DEADBEEF01' WHERE grain_id = '{Host1}';");

        var ex = await Assert.ThrowsAsync<SqliteGrainStorageException>(() => Read(storage, Host1));
        Assert.Contains(Host1.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains(StateName, ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir.Path, "aiops.db"), ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Read(storage, host2)).State.PointCount);
    }

    [Theory]
    [InlineData("", "aiops.db", 5, "DataDirectory")]
    [InlineData("  ", "aiops.db", 5, "DataDirectory")]
    [InlineData(".data", "", 5, "FileName")]
    [InlineData(".data", "sub/aiops.db", 5, "FileName")]
    [InlineData(".data", "aiops.db", 0, "BusyTimeout")]
    [InlineData(".data", "aiops.db", -1, "BusyTimeout")]
    public void Validate_BadSetting_ThrowsErrorNamingProviderAndSetting(string directory, string file, int busySeconds, string setting)
    {
        var options = new SqliteGrainStorageOptions { DataDirectory = directory, FileName = file, BusyTimeout = TimeSpan.FromSeconds(busySeconds) };

        var ex = Assert.Throws<InvalidOperationException>(() => options.Validate("Default"));
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Default'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_PointAtDotDataAiopsDb()
    {
        var options = new SqliteGrainStorageOptions();

        options.Validate("Default");
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), ".data", "aiops.db"), options.DatabasePath);
    }

    private SqliteGrainStorage Open(string serviceId = "test-service")
    {
        var options = new SqliteGrainStorageOptions
        {
            DataDirectory = _dir.Path,
            GrainStorageSerializer = new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()),
        };
        var storage = new SqliteGrainStorage(
            "Default", serviceId, options, _services.GetRequiredService<IActivatorProvider>(), TimeProvider.System, NullLogger<SqliteGrainStorage>.Instance);
        _opened.Add(storage);
        return storage;
    }

    private static async Task<TestGrainState<EntityAnalyticsState>> Read(SqliteGrainStorage storage, GrainId id)
    {
        var state = new TestGrainState<EntityAnalyticsState>();
        await storage.ReadStateAsync(StateName, id, state);
        return state;
    }

    private async Task<string?> Pragma(string name)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "aiops.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task Execute(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "aiops.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// An entity state as a host grain snapshots it: three series with live statistics and the state of detectors
    /// that have each seen 500 points. Returns the live detectors too, to check that restored ones continue alike.
    /// </summary>
    private static (EntityAnalyticsState State, Dictionary<string, IStreamingDetector> Detectors) RealisticState()
    {
        var state = new EntityAnalyticsState { PointCount = 1500, LastSeenNs = 1_700_000_500_000_000_000 };
        var detectors = new Dictionary<string, IStreamingDetector>(StringComparer.Ordinal);
        var random = new Random(7);
        string[] keys = ["cpu.usage_active{cpu=cpu-total}", "mem.used_percent", "disk.used_percent{path=/}"];
        for (var k = 0; k < keys.Length; k++)
        {
            var detector = DetectorFactory.Create();
            double value = 0;
            for (var i = 0; i < 500; i++)
            {
                value = 20 * (k + 1) + 5 * Math.Sin(i / 30.0) + random.NextDouble();
                detector.Update(1_700_000_000_000L + i * 1000, value);
            }

            var buffer = new ArrayBufferWriter<byte>();
            detector.WriteState(buffer);
            state.Series[keys[k]] = new SeriesSnapshot
            {
                LastValue = value,
                LastTimestampNs = 1_700_000_499_000_000_000,
                Count = 500,
                RatePerSecond = 0.25 * (k + 1),
                Detector = detector.Name,
                DetectorState = buffer.WrittenSpan.ToArray(),
            };
            detectors[keys[k]] = detector;
        }

        return (state, detectors);
    }
}
