using Aiops.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Aiops.Api;

/// <summary>
/// Who made a change (CMDB change log, incident timeline, change windows): header <c>X-Aiops-User</c> when sent, else
/// the configured name of the token used, else <c>api</c>. Names are trimmed and capped at <see cref="MaxLength"/>.
/// </summary>
public static class ApiUser
{
    public const string Header = "X-Aiops-User";
    public const string Default = "api";

    /// <summary>Longest name kept (default 128 characters): change logs are persisted, a header is not trusted.</summary>
    public const int MaxLength = 128;

    public static string Of(HttpContext http)
    {
        var header = http.Request.Headers[Header].ToString().Trim();
        if (header.Length > 0)
        {
            return header.Length > MaxLength ? header[..MaxLength] : header;
        }

        return http.RequestServices.GetRequiredService<TokenAuthenticator>().NameOf(http.Request.Headers.Authorization, http.Request.Query["p"]) ?? Default;
    }
}

/// <summary>Endpoint filters that require a token scope when auth is on.</summary>
public static class ScopeFilters
{
    /// <summary>A filter answering <paramref name="status"/> with <paramref name="detail"/> unless the request carries <paramref name="scope"/>.</summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Require(TokenScopes scope, int status, string detail) =>
        async (context, next) =>
        {
            var http = context.HttpContext;
            var auth = http.RequestServices.GetRequiredService<TokenAuthenticator>();
            if (auth.Check(http.Request.Headers.Authorization, http.Request.Query["p"], scope) != AuthResult.Allowed)
            {
                return TypedResults.Problem(title: status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden", detail: detail, statusCode: status);
            }

            return await next(context);
        };
}
