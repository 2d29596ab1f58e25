using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Aiops.Grains.Persistence;

/// <summary>
/// Orleans grain storage in one embedded SQLite file: the default store of a single silo (DESIGN §3, §5).
/// </summary>
/// <remarks>
/// <para>
/// One table, <c>grain_state</c>, holds a row per (service id, state name, grain id) with the serialised payload and a
/// version counter that is the ETag. Writes are optimistic: an update names the version the grain last saw and a
/// stale one throws <see cref="InconsistentStateException"/>, like Orleans' own providers.
/// </para>
/// <para>
/// <see cref="ClearStateAsync{T}"/> keeps the row as a tombstone (payload NULL, version incremented) rather than deleting
/// it, as Orleans' ADO.NET provider does: with a delete the counter would restart at 1 and a stale activation still
/// holding ETag "1" could overwrite a newer incarnation (ABA). A tombstone reads back as <c>RecordExists = false</c>.
/// </para>
/// <para>
/// Thread safety: every operation opens its own pooled connection, so any number of grains may call concurrently.
/// WAL lets readers run beside the writer; writers of this process queue on an async gate because SQLite admits one
/// writer at a time and its busy handler would otherwise park thread-pool threads in sleep loops. The busy timeout
/// still covers other processes (an operator's <c>sqlite3</c> shell). <c>synchronous=NORMAL</c> in WAL mode cannot
/// corrupt the file; a power loss may drop the last commits, which the periodic snapshots tolerate.
/// </para>
/// </remarks>
public sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>Schema version kept in <c>PRAGMA user_version</c>; a newer file is refused rather than misread.</summary>
    public const int SchemaVersion = 1;

    private const string CreateSchemaSql = """
        CREATE TABLE IF NOT EXISTS grain_state (
            service_id  TEXT    NOT NULL,
            state_name  TEXT    NOT NULL,
            grain_id    TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            payload     BLOB,
            updated_ms  INTEGER NOT NULL,
            PRIMARY KEY (service_id, state_name, grain_id)
        );
        """;

    private const string KeyFilter = "service_id = $service AND state_name = $state AND grain_id = $grain";

    private readonly string _name;
    private readonly string _serviceId;
    private readonly SqliteGrainStorageOptions _options;
    private readonly IActivatorProvider _activators;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly string _connectionSetupSql;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Creates the provider; the file and schema are created on silo start or on first use.</summary>
    /// <param name="name">Provider name, used in errors and logs.</param>
    /// <param name="serviceId">Orleans service id, part of every key so several services may share one file.</param>
    /// <param name="options">Validated settings with a serializer set.</param>
    /// <param name="activators">Creates the empty state of a grain without a record.</param>
    /// <param name="time">Clock of the <c>updated_ms</c> column (informational only).</param>
    /// <param name="logger">Logger.</param>
    public SqliteGrainStorage(
        string name,
        string serviceId,
        SqliteGrainStorageOptions options,
        IActivatorProvider activators,
        TimeProvider time,
        ILogger<SqliteGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(serviceId);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(name);
        if (options.GrainStorageSerializer is null)
        {
            throw new InvalidOperationException($"Grain storage '{name}': no {nameof(options.GrainStorageSerializer)} configured.");
        }

        _name = name;
        _serviceId = serviceId;
        _options = options;
        _activators = activators;
        _time = time;
        _logger = logger;
        DatabasePath = options.DatabasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();

        // Per-connection settings: pooled connections keep them, re-running them on each open costs no I/O.
        _connectionSetupSql = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};");
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT version, payload FROM grain_state WHERE {KeyFilter};";
        AddKey(command, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            SetEmpty(grainState, etag: null);
            return;
        }

        var version = reader.GetInt64(0);
        if (reader.IsDBNull(1))
        {
            // A cleared record: keep its version so the next write continues the counter.
            SetEmpty(grainState, FormatETag(version));
            return;
        }

        var payload = (byte[])reader.GetValue(1);
        T? state;
        try
        {
            state = _options.GrainStorageSerializer.Deserialize<T>(new BinaryData(payload));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new SqliteGrainStorageException(
                $"Grain storage '{_name}': the state '{stateName}' of grain {grainId} in {DatabasePath} (version {version}, " +
                $"{payload.Length} bytes) cannot be read as {typeof(T).FullName}: {ex.Message}",
                ex);
        }

        grainState.State = state!;
        grainState.ETag = FormatETag(version);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = ParseETag(grainState.ETag, stateName, grainId);
        var payload = _options.GrainStorageSerializer.Serialize(grainState.State).ToArray();
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = expected is null
                ? """
                  INSERT INTO grain_state (service_id, state_name, grain_id, version, payload, updated_ms)
                  VALUES ($service, $state, $grain, 1, $payload, $now)
                  ON CONFLICT DO NOTHING;
                  """
                : $"UPDATE grain_state SET version = version + 1, payload = $payload, updated_ms = $now WHERE {KeyFilter} AND version = $expected;";
            AddKey(command, stateName, grainId);
            command.Parameters.Add("$payload", SqliteType.Blob).Value = payload;
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            if (expected is not null)
            {
                command.Parameters.AddWithValue("$expected", expected.Value);
            }

            if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 0)
            {
                throw await ConflictAsync(connection, "write", stateName, grainId, grainState.ETag).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        grainState.ETag = FormatETag((expected ?? 0) + 1);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = ParseETag(grainState.ETag, stateName, grainId);
        if (expected is null)
        {
            // The grain never saw a record: clearing is only valid if there still is none.
            await using var probe = await OpenAsync().ConfigureAwait(false);
            if (await ReadVersionAsync(probe, stateName, grainId).ConfigureAwait(false) is not null)
            {
                throw await ConflictAsync(probe, "clear", stateName, grainId, null).ConfigureAwait(false);
            }

            SetEmpty(grainState, etag: null);
            return;
        }

        await using var connection = await OpenAsync().ConfigureAwait(false);
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                $"UPDATE grain_state SET version = version + 1, payload = NULL, updated_ms = $now WHERE {KeyFilter} AND version = $expected;";
            AddKey(command, stateName, grainId);
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$expected", expected.Value);
            if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 0)
            {
                throw await ConflictAsync(connection, "clear", stateName, grainId, grainState.ETag).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        SetEmpty(grainState, FormatETag(expected.Value + 1));
    }

    /// <summary>Creates the directory, the file and the schema, and switches the file to WAL. Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
                await using var connection = new SqliteConnection(_connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var userVersion = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (userVersion > SchemaVersion)
                {
                    throw new SqliteGrainStorageException(
                        $"Grain storage '{_name}': {DatabasePath} has schema version {userVersion}, newer than the {SchemaVersion} this build reads; use a newer build or another Aiops:DataDirectory.");
                }

                // journal_mode is stored in the file, so setting it once here holds for every later connection.
                var mode = Convert.ToString(await ScalarAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new SqliteGrainStorageException(
                        $"Grain storage '{_name}': {DatabasePath} could not be switched to WAL journaling (SQLite reports '{mode}'); is it on a network file system?");
                }

                await ScalarAsync(connection, CreateSchemaSql + $"PRAGMA user_version = {SchemaVersion};", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new SqliteGrainStorageException(
                    $"Grain storage '{_name}': cannot open or create the database {DatabasePath}: {ex.Message}", ex);
            }

            LogOpened(_logger, _name, DatabasePath);
            _initialized = true;
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            $"{nameof(SqliteGrainStorage)}-{_name}",
            ServiceLifecycleStage.ApplicationServices,
            InitializeAsync,
            _ => Task.CompletedTask);

    /// <inheritdoc />
    public void Dispose()
    {
        _writeGate.Dispose();
        _initGate.Dispose();
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        await InitializeAsync().ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var setup = connection.CreateCommand();
            setup.CommandText = _connectionSetupSql;
            await setup.ExecuteNonQueryAsync().ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private void AddKey(SqliteCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
    }

    private async Task<long?> ReadVersionAsync(SqliteConnection connection, string stateName, GrainId grainId)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT version FROM grain_state WHERE {KeyFilter};";
        AddKey(command, stateName, grainId);
        return await command.ExecuteScalarAsync().ConfigureAwait(false) is long version ? version : null;
    }

    private async Task<InconsistentStateException> ConflictAsync(
        SqliteConnection connection, string operation, string stateName, GrainId grainId, string? etag)
    {
        var stored = await ReadVersionAsync(connection, stateName, grainId).ConfigureAwait(false);
        var storedText = stored is null ? "none" : FormatETag(stored.Value);
        return new InconsistentStateException(
            $"Grain storage '{_name}': version conflict on {operation} of state '{stateName}' of grain {grainId}: " +
            $"the grain holds ETag {etag ?? "none"}, the store has {storedText}. Another activation wrote it meanwhile.",
            storedText,
            etag ?? "none");
    }

    private long? ParseETag(string? etag, string stateName, GrainId grainId)
    {
        if (etag is null)
        {
            return null;
        }

        if (long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
        {
            return version;
        }

        // Not one of ours (e.g. state migrated from another provider): it cannot match any stored version.
        throw new InconsistentStateException(
            $"Grain storage '{_name}': ETag '{etag}' of state '{stateName}' of grain {grainId} is not a version number of this store.",
            "unknown",
            etag);
    }

    private static string FormatETag(long version) => version.ToString(CultureInfo.InvariantCulture);

    private void SetEmpty<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage {ProviderName} uses SQLite file {DatabasePath}")]
    private static partial void LogOpened(ILogger logger, string providerName, string databasePath);
}

/// <summary>A failure of <see cref="SqliteGrainStorage"/> other than a version conflict: unreadable file, schema or payload.</summary>
[GenerateSerializer, Alias("aiops.SqliteGrainStorageException")]
public sealed class SqliteGrainStorageException : OrleansException
{
    public SqliteGrainStorageException(string message)
        : base(message)
    {
    }

    public SqliteGrainStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
