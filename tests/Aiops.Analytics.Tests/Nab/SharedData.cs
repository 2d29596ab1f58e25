namespace Aiops.Analytics.Tests.Nab;

/// <summary>
/// Finds the <c>shared/</c> folder that sits beside the repository (from the repo root it is <c>../shared</c>) by
/// walking up from the test assembly, so the tests run wherever CI clones the repo.
/// </summary>
internal static class SharedData
{
    public static string NabDir { get; } = Find();

    public static string Labels => Path.Combine(NabDir, "labels", "combined_windows.json");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "benchmarks", "nab");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"shared/benchmarks/nab not found above {AppContext.BaseDirectory}; clone shared/ beside the repository");
    }
}
