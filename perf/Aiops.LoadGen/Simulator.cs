using Aiops.Ingest.Grpc.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Aiops.LoadGen;

/// <summary>
/// Demo simulator: ships Telegraf-style telemetry (mem, cpu, disk, system) for a fleet of hosts <c>sim-001..</c> over
/// gRPC <c>Stream</c>. With <c>--replay-hours H</c> (default 0 = none) it first replays the last H hours of event time
/// at one sample a minute, one request per tick for all hosts, as fast as the silo acknowledges; then it goes live,
/// one tick every <c>--interval-ms</c> at wall-clock event time, until Ctrl-C (or <c>--duration-s</c>).
/// </summary>
/// <remarks>
/// The fleet follows a script (<see cref="DemoScript"/>) so the analytics have something to find in the replayed
/// history: one host leaks memory toward 95 % (crossing some hours after the replay ends, so a prediction is open),
/// and a group of hosts behind switch <c>sw-a</c> degrades together shortly before the end (past the detectors'
/// probation), which the incident manager correlates into one incident. Everything else has a daily shape plus
/// Ornstein–Uhlenbeck noise, seeded per host, so two runs started at the same minute send the same values.
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

        var nowNs = NowNs();
        // Replay starts on a whole minute so the script's times (and the values) are the same for runs started within that minute.
        var replayEndNs = nowNs / MinuteNs * MinuteNs;
        var replayStartNs = replayEndNs - (long)(o.ReplayHours * 60) * MinuteNs;
        var script = new DemoScript(replayStartNs, replayEndNs);
        var hosts = Enumerable.Range(1, o.Hosts).Select(i => new SimHost($"sim-{i:D3}", i, script)).ToArray();
        ulong sequence = 0;
        var replayNextNs = o.ReplayHours > 0 ? replayStartNs : long.MaxValue;
        Console.Error.WriteLine($"simulate: {hosts.Length} hosts to {o.Url}; replay {o.ReplayHours} h at 1-minute sampling, then live every {o.IntervalMs} ms");
        if (o.DurationSeconds > 0)
        {
            cts.CancelAfter(TimeSpan.FromSeconds(o.DurationSeconds));
        }

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
                if (replayNextNs < replayEndNs)
                {
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    long points = 0, samples = 0;
                    // One tick per request and waiting for its acknowledgement: the silo sees event time in order
                    // (detectors ignore late samples) and sets the pace. A broken stream resumes at the unacknowledged tick.
                    while (replayNextNs < replayEndNs)
                    {
                        var request = Tick(hosts, ++sequence, replayNextNs);
                        if (!await SendAsync(call, request, cts.Token))
                        {
                            throw new RpcException(new Status(StatusCode.Unavailable, "stream ended during the replay"));
                        }

                        points += request.Points.Count;
                        samples += request.Points.Sum(p => p.Fields.Count);
                        replayNextNs += MinuteNs;
                    }

                    Console.Error.WriteLine($"simulate: replayed {o.ReplayHours} h ({points} points, {samples} samples) in {watch.Elapsed.TotalSeconds:F1} s; going live");
                }

                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(o.IntervalMs));
                do
                {
                    if (!await SendAsync(call, Tick(hosts, ++sequence, NowNs()), cts.Token))
                    {
                        break;
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

    private const long MinuteNs = 60_000_000_000L;

    private static long NowNs() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

    private static WriteRequest Tick(SimHost[] hosts, ulong sequence, long timeNs)
    {
        var request = new WriteRequest { Sequence = sequence };
        foreach (var host in hosts)
        {
            host.Tick(request, timeNs);
        }

        return request;
    }

    private static async Task<bool> SendAsync(AsyncDuplexStreamingCall<WriteRequest, WriteResponse> call, WriteRequest request, CancellationToken ct)
    {
        await call.RequestStream.WriteAsync(request, ct);
        if (!await call.ResponseStream.MoveNext(ct))
        {
            return false;
        }

        var response = call.ResponseStream.Current;
        if (response.Rejected.Count > 0)
        {
            Console.Error.WriteLine($"simulate: {response.Rejected.Count} points rejected, first: {response.Rejected[0].Reason}");
        }

        return true;
    }

    private sealed class SimHost(string name, int index, DemoScript script)
    {
        private readonly Random _random = new(index);
        private readonly double _memBase = 35 + index % 30;
        private readonly double _cpuBase = 12 + index % 25;
        private readonly double _diskBase = 40 + index % 35;
        private readonly bool _leaks = name == DemoScript.LeakHost;
        private double _memNoise;
        private double _cpuNoise;
        private double _diskNoise;
        private long _lastNs = long.MinValue;

        public void Tick(WriteRequest request, long now)
        {
            // Ornstein–Uhlenbeck noise: innovations scale with √dt and reversion with dt, so 1-minute replay steps and
            // 5-second live steps have the same spread and the detectors see no change of character at the handover.
            var dtMin = _lastNs == long.MinValue ? 1.0 : Math.Clamp((now - _lastNs) / (double)MinuteNs, 0.0, 10.0);
            _lastNs = now;
            // The leaking host's memory is the leak plus a little noise, with no daily shape: a leak that the daily
            // decline bends looks like a fill levelling off, which the predictor rightly declines to extrapolate.
            _memNoise += -0.2 * _memNoise * dtMin + (_leaks ? 0.15 : 0.35) * Math.Sqrt(dtMin) * Gaussian();
            _cpuNoise += -0.3 * _cpuNoise * dtMin + 2.0 * Math.Sqrt(dtMin) * Gaussian();
            // Disk stays level: a steady drift leaves the range the per-host multivariate model trained on and
            // reads as a joint anomaly on every host at once, which would bury the scripted ones.
            _diskNoise += -0.2 * _diskNoise * dtMin + 0.02 * Math.Sqrt(dtMin) * Gaussian();

            var daily = script.Daily(now, index);
            var mem = Math.Clamp(_memBase + (_leaks ? 0 : 4 * daily) + _memNoise + script.MemoryOffset(name, _memBase, now), 5, 99.5);
            var cpu = Math.Clamp(_cpuBase + 10 * daily + _cpuNoise + script.CpuOffset(name, now), 0.5, 100);
            var disk = Math.Clamp(_diskBase + _diskNoise, 1, 99.9);
            const double total = 16L * 1024 * 1024 * 1024;
            request.Points.Add(Make("mem", now, [], [("used_percent", mem), ("available_percent", 100 - mem), ("used", total * mem / 100), ("available", total * (100 - mem) / 100), ("total", total)]));
            request.Points.Add(Make("cpu", now, [("cpu", "cpu-total")], [("usage_active", cpu), ("usage_idle", 100 - cpu), ("usage_user", cpu * 0.7), ("usage_system", cpu * 0.3)]));
            request.Points.Add(Make("disk", now, [("path", "/"), ("device", "sda1"), ("fstype", "ext4")], [("used_percent", disk)]));
            request.Points.Add(Make("system", now, [], [("load1", cpu / 25), ("load5", cpu / 27), ("n_cpus", 4)]));
        }

        private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

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
