using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aiops.Api.Features.Reports;

namespace Aiops.IntegrationTests;

/// <summary>
/// <c>/api/v1/reports/predicted-incidents</c> over real predictions (a leaking memory series that crosses 95 %, graded a
/// hit by the ledger, and a second leak still climbing, left open) and the offline API reference page.
/// </summary>
public sealed class ReportsTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly long StartNs = DateTimeOffset.Parse("2026-09-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;
    private const long MinuteNs = 60_000_000_000L;
    private const string Window = "from=2026-09-01T00:00:00Z&to=2026-09-05T00:00:00Z";

    // Leak starts after a day at 60 % and climbs 1.5 points an hour: 95 % is crossed at 24 h + 35/1.5 h. The second
    // host climbs 1 point an hour and is still below 95 % when the data ends.
    private static readonly double CrossingMinute = (24 + 35 / 1.5) * 60;

    // The data is written once per fixture (one silo per test class); the tests that need it await the same task.
    private static readonly SemaphoreSlim SeedGate = new(1, 1);
    private static SiloFixture? seededFor;

    [Fact]
    public async Task PredictedIncidents_EveryFormat_Answers200WithSameRows()
    {
        await SeedAsync();
        using var jsonResponse = await silo.Http.GetAsync($"/api/v1/reports/predicted-incidents?{Window}&format=json");
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Equal("application/json", jsonResponse.Content.Headers.ContentType?.MediaType);
        var json = await jsonResponse.Content.ReadFromJsonAsync<JsonElement>();
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(rows.Count >= 2, json.ToString());
        var ids = rows.Select(r => r.GetProperty("predictionId").GetString()!).ToList();

        // What happened: the crossing host has a graded hit with its crossing, lead time and ETA error; the other is open.
        var hit = rows.First(r => r.GetProperty("entity").GetString() == "report-leak" && r.GetProperty("grade").GetString() == "hit");
        Assert.Equal("mem.used_percent", hit.GetProperty("series").GetString());
        Assert.Equal(95, hit.GetProperty("threshold").GetDouble());
        Assert.Equal("host", hit.GetProperty("ciType").GetString());
        var crossing = hit.GetProperty("crossing").GetDateTimeOffset();
        Assert.Equal((crossing - hit.GetProperty("firstAlert").GetDateTimeOffset()).TotalMinutes, hit.GetProperty("leadMinutes").GetDouble(), 0.01);
        Assert.True(hit.GetProperty("leadMinutes").GetDouble() >= 60, hit.ToString());
        Assert.InRange(hit.GetProperty("etaErrorMinutes").GetDouble(), 0, hit.GetProperty("leadMinutes").GetDouble());

        // The related incident holds the prediction's entity and series; its ticket, once created, is the incident's.
        var incidentId = hit.GetProperty("incidentId").GetString();
        Assert.NotNull(incidentId);
        var incident = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incidentId}");
        Assert.Contains(incident.GetProperty("members").EnumerateArray(), m => m.GetProperty("ci").GetString() == "report-leak" && m.GetProperty("series").GetString() == "mem.used_percent");
        if (hit.GetProperty("ticketId").GetString() is { } ticketId)
        {
            Assert.Equal(ticketId, incident.GetProperty("ticket").GetProperty("ticketId").GetString());
        }

        Assert.Contains(rows, r => r.GetProperty("entity").GetString() == "report-open" && r.GetProperty("state").GetString() == "open" && r.GetProperty("crossing").ValueKind == JsonValueKind.Null);

        // Summary per metric: the grade counts add up to the rows and precision follows from them.
        var mem = json.GetProperty("byMetric").EnumerateArray().Single(s => s.GetProperty("group").GetString() == "mem.used_percent");
        Assert.Equal(rows.Count(r => r.GetProperty("metric").GetString() == "mem.used_percent"), mem.GetProperty("predictions").GetInt32());
        Assert.True(mem.GetProperty("hits").GetInt32() >= 1);
        Assert.Equal(1.0, mem.GetProperty("ledgerRecall").GetDouble());
        Assert.Equal(rows.Count, json.GetProperty("byCiType").EnumerateArray().Sum(s => s.GetProperty("predictions").GetInt32()));

        // The same rows, in the same order, in CSV.
        using var csvResponse = await silo.Http.GetAsync($"/api/v1/reports/predicted-incidents?{Window}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", csvResponse.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", csvResponse.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("predicted-incidents-20260901T000000Z-20260905T000000Z.csv", csvResponse.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var csv = ParseCsv(Encoding.UTF8.GetString(await csvResponse.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF'));
        Assert.Equal(ReportFormats.Columns, csv[0]);
        Assert.Equal(ids, csv.Skip(1).Select(r => r[0]).ToList());
        Assert.All(csv, r => Assert.Equal(ReportFormats.Columns.Count, r.Count));

        // Markdown: the predictions table has a line per row.
        using var mdResponse = await silo.Http.GetAsync($"/api/v1/reports/predicted-incidents?{Window}&format=md");
        Assert.Equal(HttpStatusCode.OK, mdResponse.StatusCode);
        Assert.Equal("text/markdown", mdResponse.Content.Headers.ContentType?.MediaType);
        var md = await mdResponse.Content.ReadAsStringAsync();
        var mdRows = md[md.IndexOf("## Predictions", StringComparison.Ordinal)..].Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Equal(ids, mdRows.Select(l => l.Split(" | ")[0][2..]).ToList());

        // HTML: printable, self-contained, one graded row per prediction.
        using var htmlResponse = await silo.Http.GetAsync($"/api/v1/reports/predicted-incidents?{Window}&format=html");
        Assert.Equal(HttpStatusCode.OK, htmlResponse.StatusCode);
        Assert.Equal("text/html", htmlResponse.Content.Headers.ContentType?.MediaType);
        var html = await htmlResponse.Content.ReadAsStringAsync();
        Assert.Contains("@media print", html);
        Assert.DoesNotMatch(ExternalUrl, html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        var htmlIds = Regex.Matches(html, "<tr class=\"[a-z-]+\"><td>([^<]*)</td>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(ids, htmlIds);
    }

    [Fact]
    public async Task PredictedIncidents_NoBounds_DefaultsToLastSevenDaysOfLedgerTime()
    {
        await SeedAsync();
        var all = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/reports/predicted-incidents?{Window}");
        var report = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/reports/predicted-incidents");

        // The data is from September 2026, so "the last 7 days of wall time" would be empty: the window follows the ledger.
        var to = report.GetProperty("to").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromDays(7), to - report.GetProperty("from").GetDateTimeOffset());
        Assert.InRange(to, DateTimeOffset.Parse("2026-09-02T00:00:00Z", CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-09-04T00:00:00Z", CultureInfo.InvariantCulture));
        Assert.Equal(all.GetProperty("rows").GetArrayLength(), report.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task PredictedIncidents_WindowBeforeData_HasNoRows()
    {
        await SeedAsync();
        var report = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/reports/predicted-incidents?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z");
        Assert.Equal(0, report.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, report.GetProperty("byMetric").GetArrayLength());

        var csv = await silo.Http.GetStringAsync("/api/v1/reports/predicted-incidents?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&format=csv");
        Assert.Single(ParseCsv(csv.TrimStart('\uFEFF')));
    }

    [Theory]
    [InlineData("format=pdf", "format")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-09-01T00:00:00Z&to=2026-13-01", "to")]
    [InlineData("from=2026-09-02T00:00:00Z&to=2026-09-01T00:00:00Z", "before")]
    public async Task PredictedIncidents_BadParameter_Answers400ProblemNamingIt(string query, string named)
    {
        using var response = await silo.Http.GetAsync($"/api/v1/reports/predicted-incidents?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains(named, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public void Csv_FieldsWithCommasQuotesAndNewlines_AreQuotedAndParseBack()
    {
        var row = new PredictedIncidentRow(
            "p-1", "web,01", "app \"server\"", "disk.used_percent\n/var", "disk.used_percent", 90.5,
            DateTimeOffset.Parse("2026-09-01T10:00:00Z", CultureInfo.InvariantCulture), null, null, null,
            0.875, "graded", null, "false-alarm", null, null, "inc-1", "TCK,7");
        var report = new PredictedIncidentReport(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), DateTimeOffset.UnixEpoch, [row, row with { PredictionId = "p-2" }], [], []);

        var csv = ReportFormats.Csv(report);
        Assert.Contains("\"web,01\",\"app \"\"server\"\"\"", csv);
        var parsed = ParseCsv(csv);
        Assert.Equal(3, parsed.Count);
        Assert.Equal(ReportFormats.Cells(row), parsed[1]);
        Assert.Equal("TCK,7", parsed[2][^1]);
        Assert.DoesNotMatch(ExternalUrl, ReportFormats.Html(report));
    }

    [Fact]
    public async Task ApiReference_Page_Answers200AndRendersTheOpenApiDocument()
    {
        using var page = await silo.Http.GetAsync("/api");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/v1.json", html);
        Assert.DoesNotMatch(ExternalUrl, html);

        var doc = await silo.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var report = doc.GetProperty("paths").GetProperty("/api/v1/reports/predicted-incidents");
        var parameters = report.GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("from", parameters);
        Assert.Contains("to", parameters);
        Assert.Contains("format", parameters);
        var ok = report.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.All(new[] { "application/json", "text/html", "text/csv", "text/markdown" }, t => Assert.True(ok.TryGetProperty(t, out _), t));
    }

    /// <summary><c>src=</c>/<c>href=</c>/<c>url(</c> pointing at another host (http, https or protocol-relative).</summary>
    private static readonly Regex ExternalUrl = new("""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", RegexOptions.IgnoreCase);

    /// <summary>An RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF or LF.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                Assert.True(field.Length == 0, $"quote inside an unquoted field at offset {i}");
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.False(quoted, "unterminated quoted field");
        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }

    private async Task SeedAsync()
    {
        await SeedGate.WaitAsync();
        try
        {
            if (ReferenceEquals(seededFor, silo))
            {
                return;
            }

            var end = (int)(CrossingMinute + 60);
            var noise = new Random(11);
            var body = new StringBuilder();
            for (var i = 0; i < end; i++)
            {
                var ts = StartNs + i * MinuteNs;
                var hours = i / 60.0;
                var leak = 60 + 1.5 * Math.Max(0, hours - 24) + Gaussian(noise) * 0.7;
                // report-open ends at ≈ 91.6 % climbing 1.3 %/h: its crossing is ≈ 2.6 h after the data ends, inside the
                // predictor's 6 h alert horizon, so its prediction is open and not yet graded.
                var open = 60 + 1.3 * Math.Max(0, hours - 24) + Gaussian(noise) * 0.7;
                body.Append(CultureInfo.InvariantCulture, $"mem,host=report-leak used_percent={leak:0.###} {ts}\n");
                body.Append(CultureInfo.InvariantCulture, $"mem,host=report-open used_percent={open:0.###} {ts}\n");
            }

            using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await SiloFixture.WaitUntilAsync(async () =>
            {
                var graded = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions?state=closed&ci=report-leak");
                var open = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions?state=open&ci=report-open");
                if (!graded.EnumerateArray().Any(p => p.GetProperty("grade").GetString() == "hit") || open.GetArrayLength() == 0)
                {
                    return false;
                }

                // The incident manager links the crossing's incident to the prediction on its own schedule, after the grade.
                var report = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/reports/predicted-incidents?{Window}&format=json");
                return report.GetProperty("rows").EnumerateArray().Any(r => r.GetProperty("entity").GetString() == "report-leak"
                    && r.GetProperty("grade").GetString() == "hit" && r.GetProperty("incidentId").ValueKind == JsonValueKind.String);
            }, "a graded hit on report-leak linked to its incident, and an open prediction on report-open", TimeSpan.FromSeconds(90));
            seededFor = silo;
        }
        finally
        {
            SeedGate.Release();
        }
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
