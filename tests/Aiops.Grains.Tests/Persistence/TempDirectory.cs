using Microsoft.Data.Sqlite;

namespace Aiops.Grains.Tests.Persistence;

/// <summary>A private directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aiops-grains-tests-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>Not created: the storage under test must create it.</summary>
    public string Path { get; }

    public void Dispose()
    {
        // Pooled connections keep the file open; release them so the directory can go.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
