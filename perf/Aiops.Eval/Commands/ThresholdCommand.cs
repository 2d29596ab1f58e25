namespace Aiops.Eval.Commands;

/// <summary>The <c>threshold</c> command: not built yet.</summary>
public static class ThresholdCommand
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("threshold: not implemented yet");
        return 2;
    }
}
