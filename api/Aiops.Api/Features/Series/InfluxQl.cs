using System.Globalization;
using System.Text;

namespace Aiops.Api.Features.Series;

/// <summary>Quoting for InfluxQL text built from user input, so that no input can end a name or a string early.</summary>
/// <remarks>
/// InfluxQL reads a quoted identifier and a string literal with the same scanner: inside the quotes a backslash
/// escapes <c>\</c>, <c>"</c>, <c>'</c> and <c>n</c> (newline); any other escape and a raw newline are errors. Every
/// backslash and both quote characters are therefore escaped, and a line feed becomes <c>\n</c>, whatever quote
/// surrounds the text.
/// </remarks>
public static class InfluxQl
{
    /// <summary><c>"name"</c> with <c>\</c>, <c>"</c>, <c>'</c> and newlines escaped.</summary>
    public static string Identifier(string name) => Quote(name, '"');

    /// <summary><c>'text'</c> with <c>\</c>, <c>"</c>, <c>'</c> and newlines escaped.</summary>
    public static string String(string text) => Quote(text, '\'');

    /// <summary>A number in InfluxQL's invariant form (round-trip precision).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string text, char quote)
    {
        var sb = new StringBuilder(text.Length + 2).Append(quote);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                case '"':
                case '\'':
                    sb.Append('\\').Append(c);
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.Append(quote).ToString();
    }
}
