using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Otlp.Proto.Collector.Metrics.V1;
using Aiops.Ingest.Otlp.Proto.Common.V1;
using Aiops.Ingest.Otlp.Proto.Metrics.V1;
using Google.Protobuf.Collections;

namespace Aiops.Ingest.Otlp;

/// <summary>A data point refused while mapping or ingesting an OTLP request.</summary>
/// <param name="PointIndex">0-based index of the data point in the request, counting every data point of every metric in order.</param>
/// <param name="Metric">The OTLP metric name (before <c>.</c> → <c>_</c>).</param>
/// <param name="Reason">Why it was refused.</param>
public readonly record struct OtlpRejection(int PointIndex, string Metric, string Reason)
{
    public override string ToString() => $"data point {PointIndex} of metric '{Metric}': {Reason}";
}

/// <summary>What <see cref="OtlpMetricsMapper.Map"/> wrote and refused.</summary>
public sealed class OtlpMapResult
{
    /// <summary>Data points seen in the request (accepted, rejected and skipped).</summary>
    public int DataPoints { get; internal set; }

    /// <summary>Lines written; line <c>i</c> (0-based) comes from data point <c>LinePoints[i]</c> of metric <c>LineMetrics[i]</c>.</summary>
    public int Lines => LinePoints.Count;

    /// <summary>Request-wide data point index of each written line.</summary>
    public List<int> LinePoints { get; } = [];

    /// <summary>OTLP metric name of each written line.</summary>
    public List<string> LineMetrics { get; } = [];

    /// <summary>Data points refused by the mapper (all of them, even past the reported ones).</summary>
    public int Rejected { get; internal set; }

    /// <summary>Points flagged "no recorded value" (OTLP staleness markers): dropped without being an error.</summary>
    public int Skipped { get; internal set; }

    /// <summary>The first refused data points (at most the <c>maxReported</c> given to <see cref="OtlpMetricsMapper.Map"/>).</summary>
    public List<OtlpRejection> Rejections { get; } = [];
}

/// <summary>
/// Maps OTLP metrics to line protocol (DESIGN §4): one line per data point, which <see cref="LineProtocolIngestor"/>
/// then validates, stores and routes like every other protocol's lines.
/// </summary>
/// <remarks>
/// <para><b>Measurement:</b> the metric name with every <c>.</c> replaced by <c>_</c> (<c>http.server.duration</c> →
/// <c>http_server_duration</c>).</para>
/// <para><b>Tags:</b> the resource attributes, then the data point attributes (a data point attribute overrides a
/// resource attribute of the same name). <c>host.name</c> becomes <c>host</c>; <c>service.instance.id</c> and
/// <c>aiops.ci</c> become <c>ci</c>, <c>aiops.ci</c> winning when both are present; a literal <c>host</c>/<c>ci</c>
/// attribute never overrides one of those mapped keys. Every other key keeps its name (dots included), except the
/// resource attributes in <see cref="DroppedResourcePrefixes"/>, which describe the SDK that shipped the point rather
/// than what was measured: as tags they would fork every series on an SDK upgrade (<c>telemetry.sdk.version</c>),
/// restarting its history in InfluxDB and its models in the grains. Scope attributes are not used. Values are rendered as the OpenTelemetry specification asks of non-OTLP exporters:
/// strings as they are, booleans <c>true</c>/<c>false</c>, integers in decimal, doubles in shortest round-trip
/// invariant form, bytes in base64, arrays and key-value lists as compact JSON. Attributes with an empty key or an
/// empty rendered value are dropped: line protocol cannot carry an empty tag value, and InfluxDB treats a missing
/// tag as empty anyway.</para>
/// <para><b>Fields:</b> gauge and sum → <c>value</c>, always a float: InfluxDB fixes a field's type at its first
/// write, and producers disagree on int vs double for the same metric name, so an integer <c>as_int</c> is written
/// as a float (exact up to 2^53). Sums are stored as sent: a cumulative sum stays a running total (take
/// <c>non_negative_derivative</c> in queries), a delta sum is the increment. Histogram → <c>count</c> (integer),
/// <c>sum</c>, <c>min</c>, <c>max</c> (floats, each only when sent) and one integer field per bucket named
/// <c>le_&lt;upper bound&gt;</c> (<c>le_0.005</c>, …, <c>le_inf</c>) holding the <b>cumulative</b> count of
/// observations ≤ that bound, as in Prometheus, so <c>le_inf</c> equals <c>count</c> and any bucket alone answers
/// "how many were at most X". Bounds are formatted in shortest round-trip invariant form (<c>1E-05</c>, <c>250</c>).</para>
/// <para><b>Time:</b> <c>time_unix_nano</c> in nanoseconds; 0 means "unset" and the ingestor uses server time.</para>
/// <para><b>Refused:</b> exponential histograms and summaries (each data point counted with a reason), values that
/// are NaN or infinite, histograms whose bounds and bucket counts disagree, tag values line protocol cannot carry,
/// more tags than the limit. A refused point never takes the others down.</para>
/// <para>Not thread-safe (it reuses a tag table); create one per request or per thread.</para>
/// </remarks>
public sealed class OtlpMetricsMapper
{
    /// <summary>Default for <c>maxTagsPerPoint</c>, the same as <see cref="IngestOptions.MaxTagsPerPoint"/>.</summary>
    public const int DefaultMaxTagsPerPoint = 64;

    /// <summary>Default for <c>maxReported</c> in <see cref="Map"/>.</summary>
    public const int DefaultMaxReported = 100;

    /// <summary>
    /// Resource attribute key prefixes that never become tags: <c>telemetry.sdk.</c>, <c>telemetry.distro.</c>,
    /// <c>telemetry.auto.</c> (the shipper's own name, language and version).
    /// </summary>
    public static readonly IReadOnlyList<string> DroppedResourcePrefixes = ["telemetry.sdk.", "telemetry.distro.", "telemetry.auto."];

    // Higher rank wins for the same tag key; equal rank: the later attribute (data point over resource) wins.
    private const int LiteralRank = 0;
    private const int MappedRank = 1;
    private const int ExplicitCiRank = 2;

    // Tag values are not HTML: keep quotes and non-ASCII readable instead of \uXXXX escapes.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly int _maxTagsPerPoint;
    private readonly Dictionary<string, (string Value, int Rank)> _tags = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, (string Value, int Rank)>> _resourceTags = [];
    private readonly List<KeyValuePair<string, (string Value, int Rank)>> _sorted = [];

    /// <param name="maxTagsPerPoint">Tags allowed per point after mapping (default <see cref="DefaultMaxTagsPerPoint"/>).</param>
    public OtlpMetricsMapper(int maxTagsPerPoint = DefaultMaxTagsPerPoint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTagsPerPoint, 1);
        _maxTagsPerPoint = maxTagsPerPoint;
    }

    /// <summary>Writes one line-protocol line (nanosecond timestamps, or none for time 0) per accepted data point.</summary>
    /// <param name="request">The OTLP export request.</param>
    /// <param name="output">Receives whole lines only.</param>
    /// <param name="maxReported">How many rejections to keep with their reason (default <see cref="DefaultMaxReported"/>); all are counted.</param>
    public OtlpMapResult Map(ExportMetricsServiceRequest request, IBufferWriter<byte> output, int maxReported = DefaultMaxReported)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var result = new OtlpMapResult();
        using var writer = new LineProtocolWriter(output);
        var pointIndex = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            _resourceTags.Clear();
            _tags.Clear();
            if (resourceMetrics.Resource is { } resource)
            {
                AddAttributes(resource.Attributes, isResource: true);
                _resourceTags.AddRange(_tags);
            }

            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    MapMetric(metric, writer, result, ref pointIndex, maxReported);
                }
            }
        }

        result.DataPoints = pointIndex;
        return result;
    }

    private void MapMetric(Metric metric, LineProtocolWriter writer, OtlpMapResult result, ref int pointIndex, int maxReported)
    {
        var measurement = metric.Name.Replace('.', '_');
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    MapNumber(metric.Name, measurement, point, writer, result, pointIndex++, maxReported);
                }

                break;
            case Metric.DataOneofCase.Sum:
                foreach (var point in metric.Sum.DataPoints)
                {
                    MapNumber(metric.Name, measurement, point, writer, result, pointIndex++, maxReported);
                }

                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    MapHistogram(metric.Name, measurement, point, writer, result, pointIndex++, maxReported);
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                foreach (var _ in metric.ExponentialHistogram.DataPoints)
                {
                    Reject(result, pointIndex++, metric.Name, "exponential histograms are not supported: configure the exporter for explicit-bucket histograms", maxReported);
                }

                break;
            case Metric.DataOneofCase.Summary:
                foreach (var _ in metric.Summary.DataPoints)
                {
                    Reject(result, pointIndex++, metric.Name, "summaries are not supported: send a histogram instead", maxReported);
                }

                break;
            default:
                // A metric without data carries no data point: nothing to store and nothing to count.
                break;
        }
    }

    private void MapNumber(string name, string measurement, NumberDataPoint point, LineProtocolWriter writer, OtlpMapResult result, int index, int maxReported)
    {
        if ((point.Flags & (uint)DataPointFlags.NoRecordedValueMask) != 0)
        {
            result.Skipped++;
            return;
        }

        double value;
        switch (point.ValueCase)
        {
            case NumberDataPoint.ValueOneofCase.AsDouble:
                value = point.AsDouble;
                if (!double.IsFinite(value))
                {
                    Reject(result, index, name, $"value is {value.ToString(CultureInfo.InvariantCulture)}: NaN and infinities cannot be stored", maxReported);
                    return;
                }

                break;
            case NumberDataPoint.ValueOneofCase.AsInt:
                value = point.AsInt;
                break;
            default:
                Reject(result, index, name, "the data point has neither as_double nor as_int", maxReported);
                return;
        }

        var reason = BeginLine(measurement, point.Attributes, point.TimeUnixNano, writer);
        if (reason is null)
        {
            writer.WriteField("value", value);
            reason = EndLine(point.TimeUnixNano, writer);
        }

        Complete(reason, name, index, result, maxReported);
    }

    private void MapHistogram(string name, string measurement, HistogramDataPoint point, LineProtocolWriter writer, OtlpMapResult result, int index, int maxReported)
    {
        if ((point.Flags & (uint)DataPointFlags.NoRecordedValueMask) != 0)
        {
            result.Skipped++;
            return;
        }

        var reason = ValidateHistogram(point) ?? BeginLine(measurement, point.Attributes, point.TimeUnixNano, writer);
        if (reason is null)
        {
            writer.WriteField("count", (long)point.Count);
            if (point.HasSum)
            {
                writer.WriteField("sum", point.Sum);
            }

            if (point.HasMin)
            {
                writer.WriteField("min", point.Min);
            }

            if (point.HasMax)
            {
                writer.WriteField("max", point.Max);
            }

            long cumulative = 0;
            Span<char> key = stackalloc char[40];
            for (var i = 0; i < point.BucketCounts.Count; i++)
            {
                // Validated above: the running total fits in a long.
                cumulative += (long)point.BucketCounts[i];
                if (i < point.ExplicitBounds.Count)
                {
                    "le_".CopyTo(key);
                    point.ExplicitBounds[i].TryFormat(key[3..], out var written, "R", CultureInfo.InvariantCulture);
                    writer.WriteField(key[..(3 + written)], cumulative);
                }
                else
                {
                    writer.WriteField("le_inf", cumulative);
                }
            }

            reason = EndLine(point.TimeUnixNano, writer);
        }

        Complete(reason, name, index, result, maxReported);
    }

    /// <summary>Checks what line protocol or the bucket layout cannot express; null when the point can be written.</summary>
    private static string? ValidateHistogram(HistogramDataPoint point)
    {
        if (point.Count > long.MaxValue)
        {
            return $"count {point.Count} is over {long.MaxValue}";
        }

        if ((point.HasSum && !double.IsFinite(point.Sum)) || (point.HasMin && !double.IsFinite(point.Min)) || (point.HasMax && !double.IsFinite(point.Max)))
        {
            return "sum, min or max is NaN or infinite, which cannot be stored";
        }

        var buckets = point.BucketCounts.Count;
        if (buckets == 0)
        {
            return null;
        }

        if (point.ExplicitBounds.Count != buckets - 1)
        {
            return $"{point.ExplicitBounds.Count} explicit bounds need {point.ExplicitBounds.Count + 1} bucket counts, got {buckets}";
        }

        for (var i = 0; i < point.ExplicitBounds.Count; i++)
        {
            var bound = point.ExplicitBounds[i];
            if (!double.IsFinite(bound))
            {
                return $"explicit bound {i} is {bound.ToString(CultureInfo.InvariantCulture)}: bounds must be finite";
            }

            if (i > 0 && bound <= point.ExplicitBounds[i - 1])
            {
                return $"explicit bounds must increase strictly: bound {i} ({bound.ToString("R", CultureInfo.InvariantCulture)}) follows {point.ExplicitBounds[i - 1].ToString("R", CultureInfo.InvariantCulture)}";
            }
        }

        ulong total = 0;
        foreach (var count in point.BucketCounts)
        {
            total += count;
            if (total > long.MaxValue || total < count)
            {
                return $"bucket counts add up to more than {long.MaxValue}";
            }
        }

        return null;
    }

    /// <summary>Writes measurement and merged tags; returns why the point cannot be written (line discarded then).</summary>
    private string? BeginLine(string measurement, RepeatedField<KeyValue> attributes, ulong timeUnixNano, LineProtocolWriter writer)
    {
        if (measurement.Length == 0)
        {
            return "the metric name is empty";
        }

        if (timeUnixNano > long.MaxValue)
        {
            return $"time_unix_nano {timeUnixNano} is past what a signed 64-bit nanosecond timestamp holds (year 2262)";
        }

        _tags.Clear();
        foreach (var (key, tag) in _resourceTags)
        {
            _tags[key] = tag;
        }

        AddAttributes(attributes, isResource: false);
        if (_tags.Count > _maxTagsPerPoint)
        {
            return $"{_tags.Count} tags (resource and data point attributes), over the limit of {_maxTagsPerPoint}";
        }

        // InfluxDB ingests fastest with tags sorted by key (as Telegraf sends them).
        _sorted.Clear();
        _sorted.AddRange(_tags);
        _sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        string? current = null;
        try
        {
            writer.WriteMeasurement(measurement);
            foreach (var (key, (value, _)) in _sorted)
            {
                current = key;
                writer.WriteTag(key, value);
            }

            return null;
        }
        catch (ArgumentException ex)
        {
            writer.DiscardLine();
            return current is null ? $"measurement '{measurement}': {ex.Message}" : $"attribute '{current}': {ex.Message}";
        }
    }

    private static string? EndLine(ulong timeUnixNano, LineProtocolWriter writer)
    {
        if (timeUnixNano != 0)
        {
            writer.WriteTimestamp((long)timeUnixNano);
        }

        writer.EndLine();
        return null;
    }

    private static void Complete(string? reason, string name, int index, OtlpMapResult result, int maxReported)
    {
        if (reason is null)
        {
            result.LinePoints.Add(index);
            result.LineMetrics.Add(name);
        }
        else
        {
            Reject(result, index, name, reason, maxReported);
        }
    }

    private static void Reject(OtlpMapResult result, int index, string name, string reason, int maxReported)
    {
        result.Rejected++;
        if (result.Rejections.Count < maxReported)
        {
            result.Rejections.Add(new OtlpRejection(index, name, reason));
        }
    }

    private void AddAttributes(RepeatedField<KeyValue> attributes, bool isResource)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.Key.Length == 0 || (isResource && IsDropped(attribute.Key)))
            {
                continue;
            }

            var value = Render(attribute.Value);
            if (value.Length == 0)
            {
                continue;
            }

            var (key, rank) = attribute.Key switch
            {
                "host.name" => ("host", MappedRank),
                "service.instance.id" => ("ci", MappedRank),
                "aiops.ci" => ("ci", ExplicitCiRank),
                _ => (attribute.Key, LiteralRank),
            };
            if (!_tags.TryGetValue(key, out var existing) || rank >= existing.Rank)
            {
                _tags[key] = (value, rank);
            }
        }
    }

    private static bool IsDropped(string key)
    {
        foreach (var prefix in DroppedResourcePrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Renders an attribute value as a tag value (OpenTelemetry's rules for non-OTLP exporters).</summary>
    public static string Render(AnyValue? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: return value.StringValue;
            case AnyValue.ValueOneofCase.BoolValue: return value.BoolValue ? "true" : "false";
            case AnyValue.ValueOneofCase.IntValue: return value.IntValue.ToString(CultureInfo.InvariantCulture);
            case AnyValue.ValueOneofCase.DoubleValue: return value.DoubleValue.ToString("R", CultureInfo.InvariantCulture);
            case AnyValue.ValueOneofCase.BytesValue: return value.BytesValue.ToBase64();
            case AnyValue.ValueOneofCase.ArrayValue:
            case AnyValue.ValueOneofCase.KvlistValue:
                using (var stream = new MemoryStream())
                {
                    using (var json = new Utf8JsonWriter(stream, JsonOptions))
                    {
                        WriteJson(value, json);
                    }

                    return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
                }

            default: return string.Empty;
        }
    }

    private static void WriteJson(AnyValue? value, Utf8JsonWriter json)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: json.WriteStringValue(value.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: json.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: json.WriteNumberValue(value.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue:
                // JSON has no NaN or infinity: write them as strings rather than fail the whole attribute.
                if (double.IsFinite(value.DoubleValue))
                {
                    json.WriteNumberValue(value.DoubleValue);
                }
                else
                {
                    json.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case AnyValue.ValueOneofCase.BytesValue: json.WriteStringValue(value.BytesValue.ToBase64()); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteJson(item, json);
                }

                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    json.WritePropertyName(pair.Key);
                    WriteJson(pair.Value, json);
                }

                json.WriteEndObject();
                break;
            default: json.WriteNullValue(); break;
        }
    }
}
