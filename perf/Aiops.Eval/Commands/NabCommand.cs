namespace Aiops.Eval.Commands;

/// <summary>The <c>nab</c> command: not built yet.</summary>
public static class NabCommand
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("nab: not implemented yet");
        return 2;
    }
}
