namespace Aiops.Eval.Commands;

/// <summary>The <c>correlate</c> command: not built yet.</summary>
public static class CorrelateCommand
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("correlate: not implemented yet");
        return 2;
    }
}
