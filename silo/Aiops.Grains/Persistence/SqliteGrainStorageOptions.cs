using Orleans.Storage;

namespace Aiops.Grains.Persistence;

/// <summary>
/// Settings of one <see cref="SqliteGrainStorage"/> provider. The database file is
/// <c><see cref="DataDirectory"/>/<see cref="FileName"/></c>, by default <c>.data/aiops.db</c> under the current directory.
/// </summary>
public sealed class SqliteGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Default of <see cref="DataDirectory"/>: <c>.data</c>, relative to the current directory.</summary>
    public const string DefaultDataDirectory = ".data";

    /// <summary>Default of <see cref="FileName"/>: <c>aiops.db</c>.</summary>
    public const string DefaultFileName = "aiops.db";

    /// <summary>Default of <see cref="BusyTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Directory of the database file (default <see cref="DefaultDataDirectory"/>); a relative path is resolved against
    /// the current directory. It is created when missing.
    /// </summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>File name of the database inside <see cref="DataDirectory"/> (default <see cref="DefaultFileName"/>).</summary>
    public string FileName { get; set; } = DefaultFileName;

    /// <summary>
    /// How long a statement waits for a lock held by another connection or process before failing
    /// (SQLite <c>busy_timeout</c>, default <see cref="DefaultBusyTimeout"/>).
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = DefaultBusyTimeout;

    /// <summary>
    /// Serializer of the state payloads. When left null it is Orleans' binary serializer
    /// (<see cref="OrleansGrainStorageSerializer"/>), which honours the stable <c>[Id(n)]</c> of
    /// <c>[GenerateSerializer]</c> types, so adding members keeps old rows readable. Changing the serializer of an
    /// existing database makes its rows unreadable: they are not tagged with the format.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath => Path.GetFullPath(Path.Combine(DataDirectory, FileName));

    /// <summary>Checks the settings; throws <see cref="InvalidOperationException"/> naming the provider and the bad setting.</summary>
    public void Validate(string providerName)
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new InvalidOperationException(
                $"Grain storage '{providerName}': {nameof(DataDirectory)} is empty; set Aiops:DataDirectory to a writable directory.");
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(['/', '\\']) >= 0 || FileName is "." or "..")
        {
            throw new InvalidOperationException(
                $"Grain storage '{providerName}': {nameof(FileName)} '{FileName}' must be a plain file name without directories.");
        }

        if (DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new InvalidOperationException(
                $"Grain storage '{providerName}': {nameof(DataDirectory)} '{DataDirectory}' contains characters not allowed in a path.");
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new InvalidOperationException(
                $"Grain storage '{providerName}': {nameof(BusyTimeout)} is {BusyTimeout}; it must be positive and below {TimeSpan.FromMilliseconds(int.MaxValue)}.");
        }
    }
}
