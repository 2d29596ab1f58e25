using Aiops.Eval.Commands;

// Evaluation CLI (DESIGN.md section 9). Each command lives in Commands/ and uses the same
// analytics classes the grains run.
return args.Length == 0 ? Usage() : args[0] switch
{
    "nab" => NabCommand.Run(args[1..]),
    "threshold" => ThresholdCommand.Run(args[1..]),
    "correlate" => CorrelateCommand.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Aiops.Eval nab|threshold|correlate ... (see README.md)");
    return 2;
}
