using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api;

/// <summary>
/// Serves the problem managers' web UI: <c>GET /</c> is the single page (<c>index.html</c>), <c>GET /ui/{file}</c> its
/// scripts and styles. The files are embedded resources of this assembly (<c>Ui/wwwroot/*</c>), so the UI ships inside
/// the silo binary and works offline (no CDN, no npm build). The page reads everything from <c>/api/v1</c>.
/// </summary>
public static class UiEndpoints
{
    private const string ResourcePrefix = "Aiops.Api.Ui.wwwroot.";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>Maps <c>/</c> and <c>/ui/{file}</c>; unknown files answer 404.</summary>
    public static IEndpointRouteBuilder MapAiopsUi(this IEndpointRouteBuilder app)
    {
        // Read once: the files are a few kilobytes and never change while the process runs.
        var files = LoadFiles();
        app.MapGet("/", () => Serve(files, "index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file) => Serve(files, file)).ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(IReadOnlyDictionary<string, byte[]> files, string name)
    {
        if (!files.TryGetValue(name, out var bytes))
        {
            return TypedResults.Problem(title: "Not found", detail: $"No UI file '{name}'.", statusCode: StatusCodes.Status404NotFound);
        }

        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        return TypedResults.Bytes(bytes, type);
    }

    private static Dictionary<string, byte[]> LoadFiles()
    {
        var assembly = typeof(UiEndpoints).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[ResourcePrefix.Length..]] = copy.ToArray();
        }

        if (!files.ContainsKey("index.html"))
        {
            throw new InvalidOperationException($"The UI resources are missing from {assembly.GetName().Name} (expected {ResourcePrefix}index.html).");
        }

        return files;
    }
}
