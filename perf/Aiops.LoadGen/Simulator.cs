using Aiops.Ingest.Grpc.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Aiops.LoadGen;

/// <summary>
/// Demo simulator: ships live Telegraf-style telemetry for a fleet of hosts over gRPC <c>Stream</c>, one tick every
/// <c>--interval-ms</c> at wall-clock event time, until Ctrl-C (or <c>--duration-s</c>).
/// </summary>
/// <remarks>
/// Each host has its own level and noise; every tenth host leaks memory slowly, so the fleet is not all flat lines.
/// Values are random walks kept in range, seeded per host, so two runs look alike.
/// </remarks>
public static class Simulator
{
    public static async Task<int> RunAsync(LoadOptions o)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        if (o.DurationSeconds > 0)
        {
            cts.CancelAfter(TimeSpan.FromSeconds(o.DurationSeconds));
        }

        var hosts = Enumerable.Range(1, o.Hosts).Select(i => new SimHost($"sim-{i:D3}", i)).ToArray();
        ulong sequence = 0;
        Console.Error.WriteLine($"simulate: {hosts.Length} hosts every {o.IntervalMs} ms to {o.Url}");
        while (!cts.IsCancellationRequested)
        {
            try
            {
                using var channel = GrpcChannel.ForAddress(o.Url);
                var headers = new Metadata();
                if (o.Token is not null)
                {
                    headers.Add("authorization", "Token " + o.Token);
                }

                using var call = new TelemetryIngest.TelemetryIngestClient(channel).Stream(headers, cancellationToken: cts.Token);
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(o.IntervalMs));
                do
                {
                    var request = new WriteRequest { Sequence = ++sequence };
                    var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
                    foreach (var host in hosts)
                    {
                        host.Tick(request, now);
                    }

                    await call.RequestStream.WriteAsync(request, cts.Token);
                    if (!await call.ResponseStream.MoveNext(cts.Token))
                    {
                        break;
                    }

                    var response = call.ResponseStream.Current;
                    if (response.Rejected.Count > 0)
                    {
                        Console.Error.WriteLine($"simulate: {response.Rejected.Count} points rejected, first: {response.Rejected[0].Reason}");
                    }
                }
                while (await timer.WaitForNextTickAsync(cts.Token));
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (RpcException ex) when (!cts.IsCancellationRequested)
            {
                Console.Error.WriteLine($"simulate: {ex.Status.StatusCode} {ex.Status.Detail}; reconnecting in 2 s");
                await Task.Delay(2000, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        return 0;
    }

    private sealed class SimHost(string name, int index)
    {
        private readonly Random _random = new(index);
        private readonly bool _leaks = index % 10 == 0;
        private double _mem = 35 + index % 30;
        private double _cpu = 10 + index % 40;
        private double _disk = 40 + index % 35;

        public void Tick(WriteRequest request, long now)
        {
            _mem = Math.Clamp(_mem + (_leaks ? 0.05 : 0) + Noise(0.4) - (_mem - 50) * 0.002 * (_leaks ? 0 : 1), 5, 99.5);
            _cpu = Math.Clamp(_cpu + Noise(3) - (_cpu - 30) * 0.05, 0.5, 100);
            _disk = Math.Clamp(_disk + 0.001 + Noise(0.01), 1, 99.9);
            const double total = 16L * 1024 * 1024 * 1024;
            request.Points.Add(Make("mem", now, [], [("used_percent", _mem), ("available_percent", 100 - _mem), ("used", total * _mem / 100), ("available", total * (100 - _mem) / 100), ("total", total)]));
            request.Points.Add(Make("cpu", now, [("cpu", "cpu-total")], [("usage_active", _cpu), ("usage_idle", 100 - _cpu), ("usage_user", _cpu * 0.7), ("usage_system", _cpu * 0.3)]));
            request.Points.Add(Make("disk", now, [("path", "/"), ("device", "sda1"), ("fstype", "ext4")], [("used_percent", _disk)]));
            request.Points.Add(Make("system", now, [], [("load1", _cpu / 25), ("load5", _cpu / 27), ("n_cpus", 4)]));
        }

        private double Noise(double scale) => (_random.NextDouble() * 2 - 1) * scale;

        private Point Make(string measurement, long ts, (string, string)[] tags, (string, double)[] fields)
        {
            var p = new Point { Measurement = measurement, TimestampUnixNano = ts };
            p.Tags.Add("host", name);
            foreach (var (k, v) in tags)
            {
                p.Tags.Add(k, v);
            }

            foreach (var (k, v) in fields)
            {
                p.Fields.Add(k, Math.Round(v, 3));
            }

            return p;
        }
    }
}
