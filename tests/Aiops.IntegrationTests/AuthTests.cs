using System.Net;
using System.Net.Http.Headers;
using Aiops.Ingest.Grpc.V1;
using Grpc.Core;

namespace Aiops.IntegrationTests;

/// <summary>Token auth on the write paths (DESIGN §4.1, §4.2).</summary>
public sealed class AuthTests(AuthSiloFixture silo) : IClassFixture<AuthSiloFixture>
{
    [Fact]
    public async Task HttpWrite_WithoutToken_Answers401()
    {
        using var response = await silo.Http.PostAsync("/write", new StringContent("auth,host=a v=1\n"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task HttpWrite_WithReadOnlyToken_Answers401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/write") { Content = new StringContent("auth,host=a v=1\n") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", AuthSiloFixture.ReadToken);
        using var response = await silo.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("basic")]
    [InlineData("query")]
    public async Task HttpWrite_WithWriteTokenInEachForm_Answers204(string form)
    {
        var url = form == "query" ? $"/write?u=telegraf&p={AuthSiloFixture.WriteToken}" : "/write";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("auth,host=a v=1\n") };
        request.Headers.Authorization = form switch
        {
            "token" => new AuthenticationHeaderValue("Token", AuthSiloFixture.WriteToken),
            "basic" => new AuthenticationHeaderValue("Basic", Convert.ToBase64String("telegraf:write-token-123"u8.ToArray())),
            _ => null,
        };
        using var response = await silo.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task GrpcWrite_WithoutToken_IsUnauthenticatedAndWithTokenAccepted()
    {
        var client = new TelemetryIngest.TelemetryIngestClient(silo.Grpc);
        var request = new WriteRequest { LineProtocol = "auth,host=g v=1\n" };
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.WriteAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);

        var ok = await client.WriteAsync(request, new Metadata { { "authorization", "Token " + AuthSiloFixture.WriteToken } });
        Assert.Equal(1u, ok.Accepted);
    }

    [Fact]
    public async Task HostsApi_NeedsReadScope()
    {
        using var anonymous = await silo.Http.GetAsync("/api/v1/hosts");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var writeOnly = new HttpRequestMessage(HttpMethod.Get, "/api/v1/hosts");
        writeOnly.Headers.Authorization = new AuthenticationHeaderValue("Token", AuthSiloFixture.WriteToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Http.SendAsync(writeOnly)).StatusCode);

        using var reader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/hosts");
        reader.Headers.Authorization = new AuthenticationHeaderValue("Token", AuthSiloFixture.ReadToken);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.SendAsync(reader)).StatusCode);
    }
}
