namespace Aiops.Api.Features.Series;

/// <summary>
/// A series key as the grains name it (<c>measurement.field</c>, then <c>{k=v,…}</c> with the point's tags other than
/// <c>host</c> and <c>ci</c>), split into the parts an InfluxQL query needs.
/// </summary>
/// <remarks>
/// The key is built from unescaped names, so it is ambiguous when a measurement holds a dot or a tag value a comma or
/// a brace: the measurement is taken up to the first dot, tags are split on commas and on the first <c>=</c>. Telegraf's
/// and OTLP's names (dots replaced by underscores) never hit these cases.
/// </remarks>
/// <param name="Key">The key as given.</param>
/// <param name="Measurement">Text before the first dot.</param>
/// <param name="Field">Text after the first dot, up to <c>{</c>.</param>
/// <param name="Tags">The tags between the braces, sorted by key (empty without braces).</param>
public sealed record SeriesKey(string Key, string Measurement, string Field, IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    /// <summary>Parses <paramref name="key"/>; false with a reason naming the position of the problem.</summary>
    public static bool TryParse(string? key, out SeriesKey? series, out string error)
    {
        series = null;
        error = string.Empty;
        if (string.IsNullOrEmpty(key))
        {
            error = "series is required, e.g. mem.used_percent or cpu.usage_active{cpu=cpu-total}.";
            return false;
        }

        var dot = key.IndexOf('.', StringComparison.Ordinal);
        var brace = key.IndexOf('{', StringComparison.Ordinal);
        if (dot <= 0 || (brace >= 0 && brace < dot))
        {
            error = $"series '{key}' must be measurement.field (a measurement before the first '.').";
            return false;
        }

        var fieldEnd = brace < 0 ? key.Length : brace;
        var field = key[(dot + 1)..fieldEnd];
        if (field.Length == 0)
        {
            error = $"series '{key}' has no field after '.' (column {dot + 2}).";
            return false;
        }

        var tags = new List<KeyValuePair<string, string>>();
        if (brace >= 0)
        {
            if (!key.EndsWith('}'))
            {
                error = $"series '{key}' opens tags with '{{' at column {brace + 1} but does not end with '}}'.";
                return false;
            }

            var column = brace + 2;
            foreach (var pair in key[(brace + 1)..^1].Split(','))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    error = $"series '{key}': tag '{pair}' at column {column} must be key=value.";
                    return false;
                }

                tags.Add(new(pair[..eq], pair[(eq + 1)..]));
                column += pair.Length + 1;
            }
        }

        series = new SeriesKey(key, key[..dot], field, tags);
        return true;
    }
}
