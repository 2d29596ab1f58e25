using Aiops.LoadGen;

// Load generator and demo simulator. See README.md (Performance).
//   load:      --target grpc|http|influx --url URL --hosts N --series-per-host M --points P [--rate R] ...
//   simulate:  simulate --url http://127.0.0.1:4317 [--hosts 50] [--interval-ms 10000] [--replay-hours 0]
try
{
    if (args.Length > 0 && args[0] == "simulate")
    {
        return await Simulator.RunAsync(LoadOptions.Parse(args[1..]));
    }

    return await LoadRunner.RunAsync(LoadOptions.Parse(args));
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}
