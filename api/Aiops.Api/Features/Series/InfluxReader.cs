using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aiops.ServiceDefaults;

namespace Aiops.Api.Features.Series;

/// <summary>InfluxDB could not be reached or did not answer in time (the API answers 503).</summary>
public sealed class InfluxUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>InfluxDB answered but refused the query (the API answers 502 with InfluxDB's message).</summary>
public sealed class InfluxQueryException(string message) : Exception(message);

/// <summary>One series of an InfluxQL result: its tags (with GROUP BY) and rows (<c>time</c> first, in ns).</summary>
public sealed record InfluxSeries(IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<JsonElement[]> Rows);

/// <summary>
/// Runs InfluxQL statements over <c>/query</c> (GET: read-only statements) with <c>epoch=ns</c> and the configured
/// credentials, and returns each statement's series.
/// </summary>
public sealed class InfluxReader(HttpClient http, InfluxConnectionOptions options)
{
    /// <summary>Longest one query may take before InfluxDB counts as unavailable (default 10 s).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="statements"/> in one request; one list of series per statement (empty when the statement
    /// matched nothing, or when the database does not exist yet: nothing has been written).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<InfluxSeries>>> QueryAsync(IReadOnlyList<string> statements, CancellationToken ct)
    {
        var query = $"query?db={Uri.EscapeDataString(options.QueryDatabase)}&epoch=ns&q={Uri.EscapeDataString(string.Join(";\n", statements))}";
        if (!string.IsNullOrEmpty(options.Username))
        {
            query += "&u=" + Uri.EscapeDataString(options.Username) + "&p=" + Uri.EscapeDataString(options.Password ?? string.Empty);
        }

        var baseUri = new Uri(options.Url.EndsWith('/') ? options.Url : options.Url + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, query));
        if (!string.IsNullOrEmpty(options.Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        string text;
        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = response.StatusCode;
            text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new InfluxUnavailableException($"InfluxDB at {options.Url} cannot be reached: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new InfluxUnavailableException($"InfluxDB at {options.Url} did not answer within {Timeout.TotalSeconds:0} s.", ex);
        }

        if ((int)status >= 500 || status == HttpStatusCode.TooManyRequests)
        {
            throw new InfluxUnavailableException($"InfluxDB at {options.Url} answered {(int)status}: {Truncate(text)}");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new InfluxQueryException($"InfluxDB answered {(int)status} with a body that is not JSON: {Truncate(text)}");
        }

        using (doc)
        {
            if (doc.RootElement.TryGetProperty("error", out var topError))
            {
                throw new InfluxQueryException($"InfluxDB answered {(int)status}: {topError.GetString()}");
            }

            if ((int)status >= 400 || !doc.RootElement.TryGetProperty("results", out var results))
            {
                throw new InfluxQueryException($"InfluxDB answered {(int)status}: {Truncate(text)}");
            }

            var answer = new List<IReadOnlyList<InfluxSeries>>(statements.Count);
            foreach (var result in results.EnumerateArray())
            {
                if (result.TryGetProperty("error", out var error))
                {
                    var message = error.GetString() ?? string.Empty;
                    // Before the first write the database does not exist; that is "no data", not a failure.
                    if (message.StartsWith("database not found", StringComparison.Ordinal))
                    {
                        answer.Add([]);
                        continue;
                    }

                    throw new InfluxQueryException($"InfluxDB refused the query: {message}");
                }

                answer.Add(result.TryGetProperty("series", out var series) ? series.EnumerateArray().Select(ReadSeries).ToList() : []);
            }

            while (answer.Count < statements.Count)
            {
                answer.Add([]);
            }

            return answer;
        }
    }

    private static InfluxSeries ReadSeries(JsonElement s)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (s.TryGetProperty("tags", out var t))
        {
            foreach (var p in t.EnumerateObject())
            {
                tags[p.Name] = p.Value.GetString() ?? string.Empty;
            }
        }

        var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToList();
        var rows = s.TryGetProperty("values", out var values)
            ? values.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.Clone()).ToArray()).ToList()
            : [];
        return new InfluxSeries(tags, columns, rows);
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300];
}
