namespace Aiops.ServiceDefaults.Security;

/// <summary>Token scopes (DESIGN §4.1).</summary>
[Flags]
public enum TokenScopes
{
    None = 0,
    Write = 1,
    Read = 2,
    Admin = 4 | Write | Read,
}

/// <summary>One API token and what it may do.</summary>
public sealed class TokenOptions
{
    /// <summary>The secret itself (send as <c>Authorization: Token …</c>, Basic password or query <c>p</c>).</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Scopes: any of <c>write</c>, <c>read</c>, <c>admin</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Optional label shown in logs instead of the secret.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Authentication (section <c>Aiops:Auth</c>). Off by default, which start-up allows only when every listener is on
/// a loopback address.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Aiops:Auth";

    public bool Enabled { get; set; }

    public List<TokenOptions> Tokens { get; set; } = [];
}
