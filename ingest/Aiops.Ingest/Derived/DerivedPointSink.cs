using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Storage;
using Microsoft.Extensions.Logging;

namespace Aiops.Ingest.Derived;

/// <summary>
/// Serialises the grains' derived points to line protocol and queues them with the raw points, so derived series
/// share the writer's batching, retries and back-pressure.
/// </summary>
public sealed partial class DerivedPointSink(ITelemetrySink sink, ILogger<DerivedPointSink> logger) : IDerivedPointSink
{
    public void Write(IReadOnlyList<DerivedPoint> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        using var buffer = new PooledBuffer(points.Count * 160);
        using var writer = new LineProtocolWriter(buffer);
        var written = 0;
        foreach (var point in points)
        {
            try
            {
                writer.WriteMeasurement(point.Measurement);
                foreach (var (key, value) in point.Tags)
                {
                    if (value.Length > 0)
                    {
                        writer.WriteTag(key, value);
                    }
                }

                foreach (var (key, value) in point.Fields)
                {
                    switch (value)
                    {
                        case double d: writer.WriteField(key, d); break;
                        case long l: writer.WriteField(key, l); break;
                        case int i: writer.WriteField(key, (long)i); break;
                        case bool b: writer.WriteField(key, b); break;
                        case string s: writer.WriteStringField(key, s); break;
                        default: throw new ArgumentException($"field '{key}' has unsupported type {value?.GetType().Name ?? "null"}");
                    }
                }

                writer.WriteTimestamp(point.TimestampNs);
                writer.EndLine();
                written++;
            }
            catch (ArgumentException ex)
            {
                writer.DiscardLine();
                LogDropped(logger, point.Measurement, ex.Message);
            }
        }

        sink.Enqueue(buffer.WrittenSpan, written);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Derived point of {Measurement} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string measurement, string reason);
}
