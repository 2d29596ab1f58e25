using System.Buffers;
using Aiops.Ingest.Grpc;
using Aiops.Ingest.Grpc.V1;
using Aiops.Ingest.LineProtocol;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;

namespace Aiops.Benchmarks;

/// <summary>
/// Server-side cost of one gRPC <c>WriteRequest</c> of 200 structured points (Telegraf-style: mem, cpu, disk, system,
/// 5 float fields each, 1–4 tags), from request bytes to line protocol ready for the ingestor: the generated parser plus
/// a UTF-16 writer per point (the service before the fast path) against the raw copy plus <see cref="WriteRequestDecoder"/>;
/// and, for scale, the client's serialisation of the same request.
/// </summary>
/// <remarks>Both produce the same bytes (checked in setup). Transport, HTTP/2 framing and the ingestor are not included.</remarks>
[MemoryDiagnoser]
public class GrpcDecodeBenchmarks
{
    private const int Points = 200;

    private static readonly (string Measurement, (string, string)[] Tags, string[] Fields)[] Shapes =
    [
        ("mem", [], ["used_percent", "available_percent", "used", "available", "total"]),
        ("cpu", [("cpu", "cpu-total")], ["usage_active", "usage_idle", "usage_user", "usage_system", "usage_iowait"]),
        ("disk", [("device", "sda1"), ("fstype", "ext4"), ("path", "/")], ["used_percent", "free", "used", "total", "inodes_free"]),
        ("system", [], ["load1", "load5", "load15", "n_cpus", "n_users"]),
    ];

    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly List<int> _lineToPoint = new(Points);
    private readonly List<Rejection> _rejections = [];
    private byte[] _bytes = [];
    private ReadOnlySequence<byte> _payload;
    private WriteRequestDecoder _decoder = new(64);
    private WriteRequest _request = new();

    [GlobalSetup]
    public void Setup()
    {
        var request = new WriteRequest { Sequence = 1 };
        for (int i = 0; i < Points; i++)
        {
            var (measurement, tags, fields) = Shapes[i % Shapes.Length];
            var point = new Point { Measurement = measurement, TimestampUnixNano = 1_793_491_200_000_000_000 + (i / 4 * 10_000_000_000L) };
            point.Tags["host"] = $"host-{i / 4:D4}";
            foreach (var (key, value) in tags)
            {
                point.Tags[key] = value;
            }

            for (int f = 0; f < fields.Length; f++)
            {
                point.Fields[fields[f]] = Math.Round(20 + (i * 7 + f * 13) % 60 + (f / 10.0), 3);
            }

            request.Points.Add(point);
        }

        _request = request;
        _bytes = request.ToByteArray();
        _payload = new ReadOnlySequence<byte>(_bytes);
        _decoder = new WriteRequestDecoder(64);
        var old = Generated();
        var oldBytes = _output.WrittenSpan.ToArray();
        var fresh = Fast();
        if (old != Points || fresh != Points || !oldBytes.AsSpan().SequenceEqual(_output.WrittenSpan))
        {
            throw new InvalidOperationException("The two paths disagree: benchmark is meaningless.");
        }

        Console.WriteLine($"// {Points} points, {_bytes.Length} request bytes, {_output.WrittenCount} line-protocol bytes");
    }

    /// <summary>Google.Protobuf materialises the request (Point, MapField, strings), then each point goes through the UTF-16 writer.</summary>
    [Benchmark(Baseline = true)]
    public int Generated()
    {
        _output.ResetWrittenCount();
        var request = WriteRequest.Parser.ParseFrom(_payload);
        int lines = 0;
        using var writer = new LineProtocolWriter(_output);
        foreach (var point in request.Points)
        {
            // The old service's checks before writing (all pass here, but it walked the maps to find out).
            if (point.Measurement.Length == 0 || point.Tags.Count > 64 || point.Fields.Count + point.IntFields.Count + point.StringFields.Count + point.BoolFields.Count == 0)
            {
                continue;
            }

            foreach (var (key, value) in point.Tags)
            {
                if (key.Length == 0 || value.Length == 0)
                {
                    continue;
                }
            }

            foreach (var (key, value) in point.Fields)
            {
                if (key.Length == 0 || !double.IsFinite(value))
                {
                    continue;
                }
            }

            writer.WriteMeasurement(point.Measurement);
            foreach (var (key, value) in point.Tags)
            {
                writer.WriteTag(key, value);
            }

            foreach (var (key, value) in point.Fields)
            {
                writer.WriteField(key, value);
            }

            writer.WriteTimestamp(point.TimestampUnixNano);
            writer.EndLine();
            lines++;
        }

        return lines;
    }

    /// <summary>
    /// For scale, the other side of the wire: what a shipper using the generated client spends serialising the same
    /// request (Google.Protobuf's map fields), which the server's fast path cannot remove.
    /// </summary>
    [Benchmark]
    public int ClientSerialize()
    {
        _output.ResetWrittenCount();
        _request.WriteTo(_output);
        return _output.WrittenCount;
    }

    /// <summary>The raw request bytes are copied from the transport (as the marshaller does) and decoded straight into lines.</summary>
    [Benchmark]
    public int Fast()
    {
        _output.ResetWrittenCount();
        _lineToPoint.Clear();
        using var raw = RawWriteRequest.Copy(_payload);
        using var writer = new LineProtocolWriter(_output);
        _decoder.Decode(raw.Payload, writer, _lineToPoint, _rejections);
        return _lineToPoint.Count;
    }
}
