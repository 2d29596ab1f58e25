using System.Buffers;
using Aiops.Ingest.LineProtocol;
using BenchmarkDotNet.Attributes;

namespace Aiops.Benchmarks;

/// <summary>
/// Per-line cost of the line-protocol hot path on a realistic Telegraf batch (cpu, mem, disk, system, net; 8-10
/// fields per line). Each benchmark processes <see cref="Lines"/> lines per invocation and reports the cost per line.
/// Target: 0 B allocated per line.
/// </summary>
[MemoryDiagnoser]
public class LineProtocolParserBenchmarks
{
    private const int Lines = 1000;

    private readonly TagToken[] _tags = new TagToken[64];
    private readonly FieldToken[] _fields = new FieldToken[64];
    private byte[] _body = [];
    private ReadOnlySequence<byte> _segmented;
    private ArrayBufferWriter<byte> _output = new();

    [GlobalSetup]
    public void Setup()
    {
        _body = TelegrafLines.Build(Lines);
        _segmented = BuildSegments(_body, 4096);
        _output = new ArrayBufferWriter<byte>(_body.Length * 2);
        Console.WriteLine($"// {Lines} lines, {_body.Length} bytes, {_body.Length / (double)Lines:F1} bytes/line");
    }

    /// <summary>Whole body in one span: LineSplitter + TryParseLine.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Lines)]
    public int ParseSpan()
    {
        int fields = 0;
        var splitter = new LineSplitter(_body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out _))
        {
            if (LineProtocolParser.TryParseLine(line, _tags, _fields, Precision.Nanoseconds, 0, out ParsedLine parsed, out _))
            {
                fields += parsed.Fields.Length;
            }
        }

        return fields;
    }

    /// <summary>Body in 4 KiB segments (as Kestrel's pipe delivers it): LineSequenceReader + TryParseLine.</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public int ParseSequence4K()
    {
        int fields = 0;
        var reader = new LineSequenceReader(_segmented, isFinalBlock: true);
        try
        {
            while (reader.TryNext(out ReadOnlySpan<byte> line, out _, out _))
            {
                if (LineProtocolParser.TryParseLine(line, _tags, _fields, Precision.Nanoseconds, 0, out ParsedLine parsed, out _))
                {
                    fields += parsed.Fields.Length;
                }
            }
        }
        finally
        {
            reader.Dispose();
        }

        return fields;
    }

    /// <summary>Parse and forward with an explicit ns timestamp (the InfluxDB batch path).</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public int ParseAndNormalize()
    {
        _output.ResetWrittenCount();
        var splitter = new LineSplitter(_body);
        while (splitter.TryNext(out ReadOnlySpan<byte> line, out _))
        {
            if (LineProtocolParser.TryParseLine(line, _tags, _fields, Precision.Nanoseconds, 0, out ParsedLine parsed, out _))
            {
                LineProtocolWriter.WriteNormalized(parsed, _output);
            }
        }

        return _output.WrittenCount;
    }

    private static ReadOnlySequence<byte> BuildSegments(byte[] data, int segmentSize)
    {
        var first = new Segment(data.AsMemory(0, Math.Min(segmentSize, data.Length)), 0);
        Segment last = first;
        for (int start = segmentSize; start < data.Length; start += segmentSize)
        {
            var next = new Segment(data.AsMemory(start, Math.Min(segmentSize, data.Length - start)), start);
            last.SetNext(next);
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
