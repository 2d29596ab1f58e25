using System.Text;
using System.Text.RegularExpressions;

namespace Aiops.IntegrationTests.Dashboards;

/// <summary>
/// Expands the macros and template variables Grafana's InfluxDB (InfluxQL) datasource substitutes before it sends a raw
/// query: <c>$timeFilter</c> (absolute, <c>time &gt;= {from}ms and time &lt;= {to}ms</c> as Grafana writes it),
/// <c>$__interval</c>/<c>$interval</c>/<c>$__interval_ms</c>, <c>$__from</c>/<c>$__to</c>, and variables in the forms
/// <c>$name</c>, <c>${name}</c>, <c>${name:format}</c> and <c>[[name]]</c>. Inside a regex literal after <c>=~</c> or
/// <c>!~</c> a value is regex-escaped, as Grafana does, so <c>/^$host$/</c> matches that host only.
/// </summary>
/// <remarks>Anything left that still looks like a variable is an error naming it: a typo must fail the test, not
/// reach InfluxDB as a literal <c>$hots</c> that silently matches nothing.</remarks>
public sealed partial class GrafanaMacros
{
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset _to;
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    /// <summary>A time range and interval (default 1 minute) to expand with.</summary>
    public GrafanaMacros(DateTimeOffset from, DateTimeOffset to, TimeSpan? interval = null)
    {
        if (to <= from)
        {
            throw new ArgumentException($"time range is empty: {from:O} .. {to:O}", nameof(to));
        }

        _from = from;
        _to = to;
        _interval = interval ?? TimeSpan.FromMinutes(1);
    }

    /// <summary>Sets the (single) value of template variable <paramref name="name"/>.</summary>
    public GrafanaMacros With(string name, string value)
    {
        _variables[name] = value;
        return this;
    }

    /// <summary>Whether variable <paramref name="name"/> has a value.</summary>
    public bool Has(string name) => _variables.ContainsKey(name);

    /// <summary>The query with every macro and variable substituted; throws naming the first unknown variable.</summary>
    public string Expand(string query)
    {
        var fromMs = _from.ToUnixTimeMilliseconds();
        var toMs = _to.ToUnixTimeMilliseconds();
        var text = query
            .Replace("$timeFilter", $"time >= {fromMs}ms and time <= {toMs}ms", StringComparison.Ordinal)
            .Replace("$__interval_ms", ((long)_interval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$__interval", Duration(_interval), StringComparison.Ordinal)
            .Replace("$interval", Duration(_interval), StringComparison.Ordinal)
            .Replace("$__from", fromMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$__to", toMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // Regex literals first (values escaped), then the rest of the text (values as they are).
        text = RegexLiteral().Replace(text, m => m.Groups["op"].Value + "/" + Substitute(m.Groups["body"].Value, escape: true) + "/");
        text = Substitute(text, escape: false);

        var left = Leftover().Match(text);
        if (left.Success)
        {
            throw new InvalidOperationException($"unknown variable or macro '{left.Value}' at column {left.Index + 1} of: {text}");
        }

        return text;
    }

    /// <summary>Escapes regex metacharacters and '/' (the InfluxQL regex delimiter) the way Grafana's regex format does.</summary>
    public static string EscapeRegex(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (@"\^$.|?*+()[]{}/".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private string Substitute(string text, bool escape) => Variable().Replace(text, m =>
    {
        var name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Success ? m.Groups["b"].Value : m.Groups["c"].Value;
        if (!_variables.TryGetValue(name, out var value))
        {
            return m.Value; // reported by the leftover check with its position
        }

        return escape || m.Groups["fmt"].Value == "regex" ? EscapeRegex(value) : value;
    });

    private static string Duration(TimeSpan t) =>
        t.TotalMilliseconds % 60_000 == 0 ? $"{(long)t.TotalMinutes}m" :
        t.TotalMilliseconds % 1000 == 0 ? $"{(long)t.TotalSeconds}s" : $"{(long)t.TotalMilliseconds}ms";

    [GeneratedRegex(@"(?<op>[=!]~\s*)/(?<body>(?:[^/\\]|\\.)*)/")]
    private static partial Regex RegexLiteral();

    [GeneratedRegex(@"\$\{(?<a>\w+)(?::(?<fmt>\w+))?\}|\[\[(?<b>\w+)\]\]|\$(?<c>\w+)")]
    private static partial Regex Variable();

    // "$" followed by a word character, or "[[": a regex's end anchor ("$/") is not a variable.
    [GeneratedRegex(@"\$\{?\w+|\[\[\w+\]\]")]
    private static partial Regex Leftover();
}
