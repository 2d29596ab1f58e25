using System.Collections.Concurrent;
using System.Globalization;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Grains.Tests.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Aiops.Grains.Tests;

/// <summary>
/// Host grains on an in-process test silo with the SQLite default storage: state written on deactivation comes back on
/// reactivation, whether the grain was collected or the whole silo restarted on the same file.
/// </summary>
public sealed class HostGrainPersistenceTests : IDisposable
{
    private const string Series = "mem.used_percent";
    private const string OtherSeries = "cpu.usage_active{cpu=cpu-total}";
    private const int Points = 1200;
    private const int RestartAt = 600;
    private const int ShiftAt = 900;
    private const long StartNs = 1_700_000_000_000_000_000;
    private const long StepNs = 1_000_000_000;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task GetState_AfterSiloRestartOnSameFile_ShowsSameCountsAndDetectorContinues()
    {
        EntityState before;
        await using (var first = await StartClusterAsync())
        {
            await IngestAsync(first, "restart-host", 0, RestartAt);
            before = await first.Client.GetGrain<IHostGrain>("restart-host").GetState();
            await first.StopAllSilosAsync();
        }

        await using var second = await StartClusterAsync();
        var restored = await second.Client.GetGrain<IHostGrain>("restart-host").GetState();

        Assert.Equal(2 * RestartAt, before.PointCount);
        AssertSameState(before, restored);

        // The rest of the data to the restarted grain, all of it to a reference grain that never restarted, and only
        // the rest to a grain that starts from zero. A restored detector scores exactly like the reference one.
        await IngestAsync(second, "restart-host", RestartAt, Points);
        await IngestAsync(second, "reference-host", 0, Points);
        await IngestAsync(second, "fresh-host", RestartAt, Points);
        var sink = Sink(second);
        var restartScores = sink.Scores("restart-host", StartNs + RestartAt * StepNs);
        var referenceScores = sink.Scores("reference-host", StartNs + RestartAt * StepNs);
        var freshScores = sink.Scores("fresh-host", StartNs + RestartAt * StepNs);

        Assert.NotEmpty(referenceScores);
        Assert.Contains(referenceScores, s => s.Anomaly);
        Assert.Equal(referenceScores, restartScores);
        Assert.NotEqual(freshScores, restartScores);
        var after = await second.Client.GetGrain<IHostGrain>("restart-host").GetState();
        var reference = await second.Client.GetGrain<IHostGrain>("reference-host").GetState();
        Assert.Equal(reference.PointCount, after.PointCount);
        Assert.Equal(reference.Series.Select(s => (s.Series, s.Count, s.LastValue)), after.Series.Select(s => (s.Series, s.Count, s.LastValue)));
    }

    [Fact]
    public async Task GetState_AfterForceActivationCollection_RestoresStateWrittenOnDeactivation()
    {
        await using var cluster = await StartClusterAsync();
        var grain = cluster.Client.GetGrain<IHostGrain>("collected-host");
        await IngestAsync(cluster, "collected-host", 0, 400);
        var before = await grain.GetState();
        Assert.Null(await StoredVersionAsync("collected-host"));

        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var restored = await grain.GetState();

        // The snapshot interval is an hour, so only the deactivation can have written this row.
        Assert.Equal(1, await StoredVersionAsync("collected-host"));
        AssertSameState(before, restored);
        await IngestAsync(cluster, "collected-host", 400, 500);
        Assert.Equal(2 * 500, (await grain.GetState()).PointCount);
    }

    private static void AssertSameState(EntityState expected, EntityState actual)
    {
        Assert.Equal(expected.PointCount, actual.PointCount);
        Assert.Equal(expected.LastSeenNs, actual.LastSeenNs);
        Assert.Equal(expected.Series.Count, actual.Series.Count);
        for (var i = 0; i < expected.Series.Count; i++)
        {
            Assert.Equal(expected.Series[i], actual.Series[i]);
        }
    }

    private async Task<TestCluster> StartClusterAsync()
    {
        var builder = new TestClusterBuilder(1);
        // A fixed service id: the storage keys rows by it, and a restarted cluster must find its own rows.
        builder.Options.ServiceId = "aiops-grains-tests";
        builder.Properties[TestSiloConfigurator.DataDirectoryKey] = _dir.Path;
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static RecordingPointSink Sink(TestCluster cluster) =>
        (RecordingPointSink)((InProcessSiloHandle)cluster.Primary!).ServiceProvider.GetRequiredService<IDerivedPointSink>();

    /// <summary>Sends points [from, to) of both series in batches of 100, as the ingest dispatcher would.</summary>
    private static async Task IngestAsync(TestCluster cluster, string host, int from, int to)
    {
        var grain = cluster.Client.GetGrain<IHostGrain>(host);
        for (var start = from; start < to; start += 100)
        {
            var samples = new List<SeriesSample>();
            for (var i = start; i < Math.Min(to, start + 100); i++)
            {
                samples.Add(new SeriesSample(Series, StartNs + i * StepNs, Value(i)));
                samples.Add(new SeriesSample(OtherSeries, StartNs + i * StepNs, 10 + (i % 13)));
            }

            await grain.Ingest(new TelemetryBatch([.. samples]));
        }
    }

    /// <summary>A deterministic noisy seasonal series with a level shift at <see cref="ShiftAt"/>.</summary>
    private static double Value(int i)
    {
        var noise = ((i * 7919) % 101 - 50) / 50.0;
        var value = 40 + 2 * Math.Sin(i / 60.0) + noise;
        return i >= ShiftAt ? value + 25 : value;
    }

    private async Task<long?> StoredVersionAsync(string host)
    {
        var path = Path.Combine(_dir.Path, "aiops.db");
        if (!File.Exists(path))
        {
            return null;
        }

        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM grain_state WHERE grain_id = $grain AND state_name = 'analytics';";
        command.Parameters.AddWithValue("$grain", GrainId.Create("host", host).ToString());
        return await command.ExecuteScalarAsync() is long version ? version : null;
    }
}

/// <summary>The test silo: what <c>AiopsHost</c> configures for the grains, minus InfluxDB, Kestrel and ingest.</summary>
public sealed class TestSiloConfigurator : ISiloConfigurator
{
    public const string DataDirectoryKey = "Aiops:DataDirectory";

    public void Configure(ISiloBuilder siloBuilder)
    {
        var directory = siloBuilder.Configuration[DataDirectoryKey]
            ?? throw new InvalidOperationException($"The test cluster must set {DataDirectoryKey}.");
        siloBuilder.AddSqliteGrainStorageAsDefault(o => o.DataDirectory = directory);
        siloBuilder.AddMemoryGrainStorage("PubSubStore");
        siloBuilder.AddMemoryStreams(AnomalyStreams.Provider);

        // A recording fake instead of the InfluxDB writer: persistence is under test, not line protocol or HTTP, and
        // the recorded anomaly scores tell whether a detector resumed or relearned.
        siloBuilder.Services.AddSingleton<IDerivedPointSink, RecordingPointSink>();
        siloBuilder.Services.AddSingleton(TimeProvider.System);

        // Snapshots only on deactivation, so a stored row proves that a deactivation happened.
        siloBuilder.Services.Configure<AnalyticsOptions>(o => o.SnapshotIntervalSeconds = 3600);
    }
}

/// <summary>Keeps every derived point the grains write.</summary>
public sealed class RecordingPointSink : IDerivedPointSink
{
    private readonly ConcurrentQueue<DerivedPoint> _points = new();

    public void Write(IReadOnlyList<DerivedPoint> points)
    {
        foreach (var point in points)
        {
            _points.Enqueue(point);
        }
    }

    /// <summary>The <c>aiops_anomaly</c> points of one host at or after <paramref name="fromNs"/>, in time order.</summary>
    public List<Score> Scores(string host, long fromNs) =>
    [
        .. _points
            .Where(p => p.Measurement == "aiops_anomaly" && p.TimestampNs >= fromNs && p.Tags.Contains(new("host", host)))
            .Select(p => new Score(
                p.Tags.Single(t => t.Key == "series").Value,
                p.TimestampNs,
                (double)p.Fields.Single(f => f.Key == "score").Value,
                (bool)p.Fields.Single(f => f.Key == "anomaly").Value))
            .OrderBy(s => s.Series, StringComparer.Ordinal)
            .ThenBy(s => s.TimestampNs),
    ];

    public sealed record Score(string Series, long TimestampNs, double Value, bool Anomaly)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Series}@{TimestampNs}={Value:R}{(Anomaly ? "!" : "")}");
    }
}
