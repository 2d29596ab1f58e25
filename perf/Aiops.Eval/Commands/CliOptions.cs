namespace Aiops.Eval.Commands;

/// <summary>The eval CLI's option syntax, shared by every command: <c>--name value</c> pairs.</summary>
internal static class CliOptions
{
    /// <summary>Parses <c>--name value</c> pairs; anything else is an <see cref="ArgumentException"/> naming it.</summary>
    public static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}' (options are --name value)");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    /// <summary>The value of a required option, or an <see cref="ArgumentException"/> naming the missing one.</summary>
    public static string Require(this Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"missing --{name}");
}
