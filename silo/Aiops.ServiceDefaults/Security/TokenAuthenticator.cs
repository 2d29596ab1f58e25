using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Aiops.ServiceDefaults.Security;

/// <summary>Outcome of checking a request's credentials.</summary>
public enum AuthResult
{
    /// <summary>Allowed (or auth is off).</summary>
    Allowed,

    /// <summary>No credentials, or unknown ones: 401.</summary>
    Unauthenticated,

    /// <summary>A known token without the scope: 401 too (InfluxDB answers 401/403 alike; we keep one code).</summary>
    Forbidden,
}

/// <summary>
/// Checks tokens in the forms InfluxDB clients send: <c>Authorization: Token t</c> (v2), <c>Authorization: Bearer t</c>,
/// <c>Authorization: Basic base64(user:t)</c> and query <c>u=…&amp;p=t</c> (v1; the user name is not checked, as
/// InfluxDB 2.x's v1 compatibility API does). Comparisons are constant-time.
/// </summary>
public sealed class TokenAuthenticator(IOptions<AuthOptions> options)
{
    private readonly AuthOptions _options = options.Value;

    public bool Enabled => _options.Enabled;

    /// <summary>Checks an <c>Authorization</c> header value and/or a v1 password.</summary>
    public AuthResult Check(string? authorization, string? queryPassword, TokenScopes needed)
    {
        if (!_options.Enabled)
        {
            return AuthResult.Allowed;
        }

        var token = Find(authorization, queryPassword);
        if (token is null)
        {
            return AuthResult.Unauthenticated;
        }

        return (ParseScopes(token.Scopes) & needed) == needed ? AuthResult.Allowed : AuthResult.Forbidden;
    }

    /// <summary>The configured name of the token a request carries, when auth is on and the token has a name.</summary>
    public string? NameOf(string? authorization, string? queryPassword) =>
        _options.Enabled && Find(authorization, queryPassword) is { Name: { Length: > 0 } name } ? name : null;

    private TokenOptions? Find(string? authorization, string? queryPassword)
    {
        var secret = ExtractSecret(authorization) ?? queryPassword;
        if (string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var secretBytes = Encoding.UTF8.GetBytes(secret);
        return _options.Tokens.FirstOrDefault(t => t.Token.Length > 0 && CryptographicOperations.FixedTimeEquals(secretBytes, Encoding.UTF8.GetBytes(t.Token)));
    }

    /// <summary>Parses scope names; unknown names throw so a typo in configuration is caught at start-up.</summary>
    public static TokenScopes ParseScopes(IEnumerable<string> scopes)
    {
        var result = TokenScopes.None;
        foreach (var s in scopes)
        {
            result |= s.ToLowerInvariant() switch
            {
                "write" => TokenScopes.Write,
                "read" => TokenScopes.Read,
                "admin" => TokenScopes.Admin,
                _ => throw new InvalidOperationException($"Aiops:Auth: unknown token scope '{s}' (expected write, read or admin)."),
            };
        }

        return result;
    }

    private static string? ExtractSecret(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return null;
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }

        var scheme = authorization[..space];
        var value = authorization[(space + 1)..].Trim();
        if (scheme.Equals("Token", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : decoded[(colon + 1)..];
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }
}
