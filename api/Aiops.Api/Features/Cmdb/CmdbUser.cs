using System.Security.Cryptography;
using System.Text;
using Aiops.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aiops.Api.Features.Cmdb;

/// <summary>
/// Who made a CMDB change: header <c>X-Aiops-User</c> when sent, else the configured name of the token used
/// (<c>Authorization: Token|Bearer …</c>), else <c>api</c>. Names are trimmed and capped at <see cref="MaxLength"/>.
/// </summary>
public static class CmdbUser
{
    public const string Header = "X-Aiops-User";
    public const string Default = "api";

    /// <summary>Longest name kept (default 128 characters): the change log is persisted, a header is not trusted.</summary>
    public const int MaxLength = 128;

    public static string Of(HttpContext http)
    {
        var header = http.Request.Headers[Header].ToString().Trim();
        if (header.Length > 0)
        {
            return header.Length > MaxLength ? header[..MaxLength] : header;
        }

        return TokenName(http) ?? Default;
    }

    private static string? TokenName(HttpContext http)
    {
        var options = http.RequestServices.GetService<IOptions<AuthOptions>>()?.Value;
        var authorization = http.Request.Headers.Authorization.ToString();
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (options is not { Enabled: true } || space <= 0)
        {
            return null;
        }

        var scheme = authorization[..space];
        if (!scheme.Equals("Token", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var secret = Encoding.UTF8.GetBytes(authorization[(space + 1)..].Trim());
        var token = options.Tokens.FirstOrDefault(t => t.Token.Length > 0 && CryptographicOperations.FixedTimeEquals(secret, Encoding.UTF8.GetBytes(t.Token)));
        return string.IsNullOrWhiteSpace(token?.Name) ? null : token.Name;
    }
}
