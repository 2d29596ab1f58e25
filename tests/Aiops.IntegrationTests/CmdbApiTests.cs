using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aiops.IntegrationTests;

/// <summary>
/// The CMDB over REST on a real silo. The tests of this class share one silo and so one CMDB: each works on CI ids
/// of its own, and the one that compares whole exports imports in replace mode first.
/// </summary>
public sealed class CmdbApiTests(SiloFixture silo, CmdbApiTests.NamedTokenSiloFixture secured)
    : IClassFixture<SiloFixture>, IClassFixture<CmdbApiTests.NamedTokenSiloFixture>
{
    /// <summary>DESIGN §9.3: a switch, five hosts on it, two services on the hosts, one application on both services.</summary>
    private const string Topology = """
        {
          "cis": [
            {"id": "sw-core", "type": "network-switch", "name": "Core switch", "attributes": {"rack": "r1", "ports": "48"}, "owner_group": "network", "criticality": "high"},
            {"id": "host-1", "type": "host", "name": "host-1", "attributes": {"os": "linux"}},
            {"id": "host-2", "type": "host", "name": "host-2", "attributes": {"os": "linux"}},
            {"id": "host-3", "type": "host", "name": "host-3", "attributes": {"os": "linux"}},
            {"id": "host-4", "type": "host", "name": "host-4", "attributes": {"os": "linux"}},
            {"id": "host-5", "type": "host", "name": "host-5", "attributes": {"os": "linux"}},
            {"id": "svc-orders", "type": "service", "name": "Orders", "attributes": {}, "owner_group": "shop"},
            {"id": "svc-pay", "type": "service", "name": "Payments", "attributes": {}, "owner_group": "shop"},
            {"id": "app-shop", "type": "application", "name": "Shop", "attributes": {"url": "https://shop.example"}, "criticality": "high"}
          ],
          "relations": [
            {"from": "host-1", "to": "sw-core", "type": "connects-to"},
            {"from": "host-2", "to": "sw-core", "type": "connects-to"},
            {"from": "host-3", "to": "sw-core", "type": "connects-to"},
            {"from": "host-4", "to": "sw-core", "type": "connects-to"},
            {"from": "host-5", "to": "sw-core", "type": "connects-to"},
            {"from": "svc-orders", "to": "host-1", "type": "runs-on"},
            {"from": "svc-orders", "to": "host-2", "type": "runs-on"},
            {"from": "svc-pay", "to": "host-4", "type": "runs-on"},
            {"from": "app-shop", "to": "svc-orders", "type": "depends-on"},
            {"from": "app-shop", "to": "svc-pay", "type": "depends-on"}
          ]
        }
        """;

    [Fact]
    public async Task Import_SwitchHostsServicesApp_ExportEqualsItAndImpactOfSwitchListsEveryDependent()
    {
        using var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(Topology, Encoding.UTF8, "application/json"));
        var counts = await import.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(9, counts.GetProperty("cisCreated").GetInt32() + counts.GetProperty("cisUpdated").GetInt32() + counts.GetProperty("cisUnchanged").GetInt32());
        Assert.Equal("replace", counts.GetProperty("mode").GetString());
        Assert.Empty(counts.GetProperty("errors").EnumerateArray());

        var exported = await silo.Http.GetStringAsync("/api/v1/cmdb/export?format=json");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Topology), JsonNode.Parse(exported)), exported);

        var impact = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/sw-core/impact");
        var ids = impact.GetProperty("impacted").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
        Assert.Equal(["app-shop", "host-1", "host-2", "host-3", "host-4", "host-5", "svc-orders", "svc-pay"], ids.Order(StringComparer.Ordinal));
        Assert.Equal(8, impact.GetProperty("count").GetInt32());
        Assert.Equal("app-shop", ids[^1]); // nearest first: the application is three hops away
        var ofHost3 = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/host-3/impact");
        Assert.Equal(0, ofHost3.GetProperty("count").GetInt32());

        // The CSV export re-imports without loss: nothing changes.
        var csv = await silo.Http.GetStringAsync("/api/v1/cmdb/export?format=csv");
        using var reimport = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var again = await reimport.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, reimport.StatusCode);
        Assert.Equal(9, again.GetProperty("cisUnchanged").GetInt32());
        Assert.Equal(0, again.GetProperty("cisUpdated").GetInt32() + again.GetProperty("cisDeleted").GetInt32() + again.GetProperty("relationsAdded").GetInt32() + again.GetProperty("relationsRemoved").GetInt32());
        Assert.Equal(exported, await silo.Http.GetStringAsync("/api/v1/cmdb/export?format=json"));
    }

    [Fact]
    public async Task Cis_CreateReadUpdateRelateDelete_RoundTrips()
    {
        using var created = await silo.Http.PostAsJsonAsync("/api/v1/cis", new { id = "crud-db", type = "database", name = "Orders DB", attributes = new { engine = "postgres" }, ownerGroup = "dba" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/cis/crud-db", created.Headers.Location?.ToString());
        var read = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/crud-db");
        Assert.Equal(("database", "Orders DB", "postgres", "dba"), (read.GetProperty("type").GetString(), read.GetProperty("name").GetString(), read.GetProperty("attributes").GetProperty("engine").GetString(), read.GetProperty("ownerGroup").GetString()));

        using var put = await silo.Http.PutAsJsonAsync("/api/v1/cis/crud-db", new { type = "database", name = "Orders DB", attributes = new { engine = "postgres", version = "17" }, criticality = "high" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var updated = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/crud-db");
        Assert.Equal("17", updated.GetProperty("attributes").GetProperty("version").GetString());
        Assert.Equal("high", updated.GetProperty("criticality").GetString());
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("ownerGroup").ValueKind); // PUT replaces the whole record
        Assert.Contains((await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis?type=DATABASE")).EnumerateArray(), c => c.GetProperty("id").GetString() == "crud-db");

        using var svc = await silo.Http.PutAsJsonAsync("/api/v1/cis/crud-svc", new { type = "service" });
        Assert.Equal(HttpStatusCode.Created, svc.StatusCode);
        using var rel = await silo.Http.PostAsJsonAsync("/api/v1/relations", new { from = "crud-svc", to = "crud-db", type = "depends-on" });
        Assert.Equal(HttpStatusCode.Created, rel.StatusCode);
        var impact = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/crud-db/impact");
        Assert.Equal(["crud-svc"], impact.GetProperty("impacted").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        using var removeRel = await silo.Http.DeleteAsync("/api/v1/relations?from=crud-svc&to=crud-db&type=depends-on");
        Assert.Equal(HttpStatusCode.NoContent, removeRel.StatusCode);
        using var removeAgain = await silo.Http.DeleteAsync("/api/v1/relations?from=crud-svc&to=crud-db&type=depends-on");
        Assert.Equal(HttpStatusCode.NotFound, removeAgain.StatusCode);
        Assert.Empty((await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/relations?ci=crud-db")).EnumerateArray());

        using var deleted = await silo.Http.DeleteAsync("/api/v1/cis/crud-db");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await silo.Http.GetAsync("/api/v1/cis/crud-db");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Contains("crud-db", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Cis_BadBodiesAndUnknownEnds_AnswerProblemsNamingTheField()
    {
        using var badJson = await silo.Http.PutAsync("/api/v1/cis/bad-1", new StringContent("{\n  \"type\": \"host\",\n  \"attributes\": [1]\n}", Encoding.UTF8, "application/json"));
        var badJsonDetail = await DetailAsync(badJson);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Contains("line 3", badJsonDetail);
        Assert.Contains("$.attributes", badJsonDetail);

        using var noType = await silo.Http.PostAsJsonAsync("/api/v1/cis", new { id = "bad-2" });
        Assert.Equal(HttpStatusCode.BadRequest, noType.StatusCode);
        Assert.StartsWith("type:", await DetailAsync(noType));

        using var mismatch = await silo.Http.PutAsJsonAsync("/api/v1/cis/bad-3", new { id = "other", type = "host" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);

        using var ci = await silo.Http.PutAsJsonAsync("/api/v1/cis/bad-4", new { type = "host" });
        using var unknownEnd = await silo.Http.PostAsJsonAsync("/api/v1/relations", new { from = "bad-4", to = "no-such-ci", type = "connects-to" });
        Assert.Equal(HttpStatusCode.NotFound, unknownEnd.StatusCode);
        Assert.Equal("to: CI 'no-such-ci' does not exist.", await DetailAsync(unknownEnd));
        using var badType = await silo.Http.PostAsJsonAsync("/api/v1/relations", new { from = "bad-4", to = "bad-4", type = "hugs" });
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.StartsWith("type: 'hugs'", await DetailAsync(badType));
        using var noQuery = await silo.Http.DeleteAsync("/api/v1/relations?from=bad-4");
        Assert.Contains("to, type", await DetailAsync(noQuery));

        using var unknownImpact = await silo.Http.GetAsync("/api/v1/cis/no-such-ci/impact");
        Assert.Equal(HttpStatusCode.NotFound, unknownImpact.StatusCode);
        using var unknownDelete = await silo.Http.DeleteAsync("/api/v1/cis/no-such-ci");
        Assert.Equal(HttpStatusCode.NotFound, unknownDelete.StatusCode);
        using var badFormat = await silo.Http.GetAsync("/api/v1/cmdb/export?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
    }

    [Fact]
    public async Task Import_BadRecords_Answers400NamingLineAndColumnAndKeepsGoodRecords()
    {
        const string json = """
            {
              "cis": [
                {"id": "imp-ok", "type": "host"},
                {"type": "host", "name": "no id"},
                {"id": "imp-ok-2", "type": "service"}
              ],
              "relations": [
                {"from": "imp-ok-2", "to": "imp-ok", "type": "runs-on"},
                {"from": "imp-ok-2", "to": "imp-ok", "type": "sits-on"}
              ]
            }
            """;
        using var response = await silo.Http.PostAsync("/api/v1/cmdb/import", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line 4, column 5", problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([(4L, 5L), (9L, 5L)], errors.Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("column").GetInt64())));
        Assert.Contains("sits-on", errors[1].GetProperty("message").GetString());
        Assert.Equal(2, problem.GetProperty("result").GetProperty("cisCreated").GetInt32());
        Assert.Equal(1, problem.GetProperty("result").GetProperty("relationsAdded").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/api/v1/cis/imp-ok-2")).StatusCode);
        Assert.Equal(["imp-ok-2"], (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis/imp-ok/impact")).GetProperty("impacted").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        // A syntax error stops the JSON pass; what came before it is kept.
        using var truncated = await silo.Http.PostAsync("/api/v1/cmdb/import", new StringContent("{\"cis\": [\n{\"id\": \"imp-trunc\", \"type\": \"host\"},\n{\"id\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Contains("line 3", await DetailAsync(truncated));
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/api/v1/cis/imp-trunc")).StatusCode);

        using var csv = await silo.Http.PostAsync("/api/v1/cmdb/import", new StringContent("id,type,name\nimp-csv,host,x\n\"broken,host\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, csv.StatusCode);
        Assert.Contains("line 3", await DetailAsync(csv));
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/api/v1/cis/imp-csv")).StatusCode);

        using var xml = await silo.Http.PostAsync("/api/v1/cmdb/import", new StringContent("<cmdb/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);
        using var badMode = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=upsert", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
    }

    [Fact]
    public async Task Changes_AfterWrites_ListVersionsWithWhoWhenWhat()
    {
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var before = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/cmdb/changes?since=0&limit={10_000}");
        var since = before.EnumerateArray().Select(c => c.GetProperty("version").GetInt64()).DefaultIfEmpty(0).Max();

        await SendAsync(HttpMethod.Put, "/api/v1/cis/chg-1", new { type = "host", name = "first" }, "alice");
        await SendAsync(HttpMethod.Put, "/api/v1/cis/chg-1", new { type = "host", name = "second" }, "bob");
        await SendAsync(HttpMethod.Put, "/api/v1/cis/chg-1", new { type = "host", name = "second" }, "carol"); // no change, no version
        await SendAsync(HttpMethod.Delete, "/api/v1/cis/chg-1", null, null);

        var changes = (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/cmdb/changes?since={since}")).EnumerateArray().ToList();
        Assert.Equal([since + 1, since + 2, since + 3], changes.Select(c => c.GetProperty("version").GetInt64()));
        Assert.Equal(["alice", "bob", "api"], changes.Select(c => c.GetProperty("changedBy").GetString()));
        Assert.Equal(["ci-created", "ci-updated", "ci-deleted"], changes.Select(c => c.GetProperty("op").GetString()));
        Assert.All(changes, c => Assert.Equal("chg-1", c.GetProperty("entityId").GetString()));
        Assert.All(changes, c => Assert.InRange(c.GetProperty("at").GetDateTimeOffset(), start, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Contains("name=first", changes[1].GetProperty("before").GetString());
        Assert.Contains("name=second", changes[1].GetProperty("after").GetString());
        Assert.Equal(JsonValueKind.Null, changes[2].GetProperty("after").ValueKind);

        var page = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/cmdb/changes?since={since + 1}&limit=1");
        Assert.Equal([since + 2], page.EnumerateArray().Select(c => c.GetProperty("version").GetInt64()));
        using var badLimit = await silo.Http.GetAsync("/api/v1/cmdb/changes?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task Writes_WithAuthOn_NeedWriteScopeAndAreRecordedUnderTheTokenName()
    {
        using var anonymous = await secured.Http.PutAsJsonAsync("/api/v1/cis/auth-1", new { type = "host" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var readOnly = new HttpRequestMessage(HttpMethod.Put, "/api/v1/cis/auth-1") { Content = JsonContent.Create(new { type = "host" }) };
        readOnly.Headers.Add("Authorization", "Token " + NamedTokenSiloFixture.ReadToken);
        using var refused = await secured.Http.SendAsync(readOnly);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var admin = new HttpRequestMessage(HttpMethod.Put, "/api/v1/cis/auth-1") { Content = JsonContent.Create(new { type = "host" }) };
        admin.Headers.Add("Authorization", "Token " + NamedTokenSiloFixture.AdminToken);
        using var accepted = await secured.Http.SendAsync(admin);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/v1/cmdb/changes");
        list.Headers.Add("Authorization", "Token " + NamedTokenSiloFixture.ReadToken);
        using var changes = await secured.Http.SendAsync(list);
        var entries = (await changes.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal([("auth-1", "ops-admin")], entries.Select(c => (c.GetProperty("entityId").GetString(), c.GetProperty("changedBy").GetString())));
    }

    [Fact]
    public async Task OpenApiDocument_Always_ListsTheCmdbRoutes()
    {
        var doc = await silo.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected = ["/api/v1/cis", "/api/v1/cis/{id}", "/api/v1/cis/{id}/impact", "/api/v1/relations", "/api/v1/cmdb/import", "/api/v1/cmdb/export", "/api/v1/cmdb/changes"];
        Assert.All(expected, p => Assert.Contains(p, paths));
    }

    /// <summary>A silo with auth on and named tokens: one admin, one read-only.</summary>
    public sealed class NamedTokenSiloFixture : SiloFixture
    {
        public const string AdminToken = "cmdb-admin-token-1";
        public const string ReadToken = "cmdb-read-token-2";

        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [
            new("Aiops:Auth:Enabled", "true"),
            new("Aiops:Auth:Tokens:0:Token", AdminToken),
            new("Aiops:Auth:Tokens:0:Scopes:0", "admin"),
            new("Aiops:Auth:Tokens:0:Name", "ops-admin"),
            new("Aiops:Auth:Tokens:1:Token", ReadToken),
            new("Aiops:Auth:Tokens:1:Scopes:0", "read"),
            new("Aiops:Auth:Tokens:1:Name", "viewer"),
        ];
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, string? user)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (user is not null) request.Headers.Add("X-Aiops-User", user);
        using var response = await silo.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";
}
