using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Ingest.LineProtocol;
using Aiops.Ingest.Routing;
using Aiops.Ingest.Storage;
using System.Runtime.InteropServices;
using Aiops.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Aiops.Ingest;

/// <summary>One line or point refused, with where and why.</summary>
/// <param name="Line">1-based line number in the body (HTTP), or the point's index (gRPC).</param>
/// <param name="Column">1-based column of the error within the line, 0 when not applicable.</param>
/// <param name="Message">Why it was refused.</param>
public readonly record struct IngestFailure(int Line, int Column, string Message);

/// <summary>What one ingest call did.</summary>
public readonly record struct IngestResult(int Accepted, int Rejected);

/// <summary>
/// The shared hot path of every ingest protocol: parse → validate → queue for InfluxDB → route samples to grains.
/// </summary>
/// <remarks>
/// Each valid line is forwarded as it came, with its timestamp made explicit in nanoseconds
/// (<see cref="LineProtocolWriter.WriteNormalized"/>), so storage sees exactly the accepted points; invalid lines are
/// reported and skipped, never taking the good lines around them down. Numeric fields (float, integer, unsigned) of
/// points with a <c>host</c> or <c>ci</c> tag become samples for the entity grains.
/// </remarks>
public sealed class LineProtocolIngestor(
    ITelemetrySink sink,
    GrainDispatcher dispatcher,
    SeriesKeyCache keys,
    SeriesCardinalityGuard cardinality,
    AiopsMetrics metrics,
    IOptions<IngestOptions> options,
    TimeProvider time)
{
    private static ReadOnlySpan<byte> HostTag => "host"u8;

    private static ReadOnlySpan<byte> CiTag => "ci"u8;

    private readonly IngestOptions _options = options.Value;

    /// <summary>Limits in force.</summary>
    public IngestOptions Options => _options;

    /// <summary>True while storage can take more points (otherwise answer 503 / RESOURCE_EXHAUSTED).</summary>
    public bool HasCapacity => sink.HasCapacity;

    /// <summary>Ingests a whole line-protocol body.</summary>
    /// <param name="body">The (decompressed) body.</param>
    /// <param name="precision">Unit of the timestamps in the body.</param>
    /// <param name="failures">Receives up to <see cref="IngestOptions.MaxReportedErrors"/> failures.</param>
    /// <param name="lineIndexMap">When set, maps a 1-based line number to the index reported in failures (gRPC points).</param>
    public IngestResult Ingest(ReadOnlySpan<byte> body, Precision precision, List<IngestFailure> failures, ReadOnlySpan<int> lineIndexMap = default)
    {
        var nowNs = UnixNanos.Of(time.GetUtcNow());
        Span<TagToken> tags = stackalloc TagToken[_options.MaxTagsPerPoint];
        var fields = _options.MaxFieldsPerPoint <= 128 ? stackalloc FieldToken[_options.MaxFieldsPerPoint] : new FieldToken[_options.MaxFieldsPerPoint];
        Span<int> tagOrder = stackalloc int[_options.MaxTagsPerPoint];
        using var output = new PooledBuffer(Math.Min(body.Length + 1024, 4 * 1024 * 1024));
        var routed = new RoutedSamples();
        var samples = new List<SeriesSample>();
        int accepted = 0, rejected = 0, unrouted = 0;

        var splitter = new LineSplitter(body);
        while (splitter.TryNext(out var lineBytes, out var lineNumber))
        {
            var reportedAs = lineIndexMap.IsEmpty ? lineNumber : lineIndexMap[lineNumber - 1];
            if (lineBytes.Length > _options.MaxLineBytes)
            {
                rejected++;
                AddFailure(failures, new IngestFailure(reportedAs, 0, $"line is {lineBytes.Length} bytes, over the limit of {_options.MaxLineBytes}"));
                continue;
            }

            if (!LineProtocolParser.TryParseLine(lineBytes, tags, fields, precision, nowNs, out var line, out var error))
            {
                rejected++;
                AddFailure(failures, new IngestFailure(reportedAs, error.Column, error.Message));
                continue;
            }

            // Route first: a point that would push its host or CI past the series limit is refused whole.
            samples.Clear();
            if (!Route(line, samples, tagOrder, out var host, out var ci))
            {
                unrouted++;
            }
            else if (Refuse(host, ci, samples, out var refusal))
            {
                rejected++;
                metrics.SeriesLimitRejections.Increment();
                AddFailure(failures, new IngestFailure(reportedAs, 0, refusal));
                continue;
            }

            accepted++;
            LineProtocolWriter.WriteNormalized(line, output);
            foreach (var sample in CollectionsMarshal.AsSpan(samples))
            {
                if (host is not null)
                {
                    routed.Add(EntityKind.Host, host, sample);
                }

                if (ci is not null)
                {
                    routed.Add(EntityKind.Ci, ci, sample);
                }
            }
        }

        metrics.PointsReceived.Add(accepted + rejected);
        metrics.PointsRejected.Add(rejected);
        metrics.PointsAccepted.Add(accepted);
        metrics.PointsUnrouted.Add(unrouted);
        sink.Enqueue(output.WrittenSpan, accepted);
        dispatcher.Post(routed);
        return new IngestResult(accepted, rejected);
    }

    private void AddFailure(List<IngestFailure> failures, IngestFailure failure)
    {
        if (failures.Count < _options.MaxReportedErrors)
        {
            failures.Add(failure);
        }
    }

    /// <summary>The numeric samples of a point with a <c>host</c> and/or <c>ci</c> tag; false when it has neither.</summary>
    private bool Route(scoped in ParsedLine line, List<SeriesSample> samples, Span<int> tagOrder, out string? host, out string? ci)
    {
        host = null;
        ci = null;
        int hostIndex = -1, ciIndex = -1, others = 0;
        for (var i = 0; i < line.Tags.Length; i++)
        {
            var tag = line.Tags[i];
            var key = line.Line.Slice(tag.KeyStart, tag.KeyLength);
            if (!tag.KeyEscaped && key.SequenceEqual(HostTag))
            {
                hostIndex = i;
            }
            else if (!tag.KeyEscaped && key.SequenceEqual(CiTag))
            {
                ciIndex = i;
            }
            else
            {
                // Insertion sort by raw key: tag sets are small and usually arrive sorted (Telegraf sorts them).
                var j = others++;
                while (j > 0 && CompareKeys(line, tagOrder[j - 1], i) > 0)
                {
                    tagOrder[j] = tagOrder[j - 1];
                    j--;
                }

                tagOrder[j] = i;
            }
        }

        if (hostIndex < 0 && ciIndex < 0)
        {
            return false;
        }

        host = hostIndex < 0 ? null : Name(line, hostIndex);
        ci = ciIndex < 0 ? null : Name(line, ciIndex);
        var order = tagOrder[..others];
        for (var f = 0; f < line.Fields.Length; f++)
        {
            var field = line.Fields[f];
            double value;
            switch (field.Kind)
            {
                case FieldKind.Float: value = field.Float; break;
                case FieldKind.Integer: value = field.Integer; break;
                case FieldKind.UInteger: value = field.UInteger; break;
                default: continue;
            }

            samples.Add(new SeriesSample(keys.GetSeries(line, f, order), line.TimestampNs, value));
        }

        return true;
    }

    /// <summary>Whether the point's series would push its host or CI past the series limit (then why, naming one new series).</summary>
    private bool Refuse(string? host, string? ci, List<SeriesSample> samples, out string reason)
    {
        var span = CollectionsMarshal.AsSpan(samples);
        foreach (var (kind, entity) in new[] { (EntityKind.Host, host), (EntityKind.Ci, ci) })
        {
            if (entity is not null && !cardinality.TryAdmit(kind, entity, span, out var series))
            {
                reason = $"{(kind == EntityKind.Host ? "host" : "ci")} '{entity}' has reached its limit of {cardinality.Limit} series (Aiops:Ingest:MaxSeriesPerEntity): new series such as '{series}' are rejected, existing ones keep flowing";
                return true;
            }
        }

        reason = string.Empty;
        return false;
    }

    private string Name(scoped in ParsedLine line, int tagIndex)
    {
        var tag = line.Tags[tagIndex];
        return keys.GetName(line.Line.Slice(tag.ValueStart, tag.ValueLength), tag.ValueEscaped);
    }

    private static int CompareKeys(scoped in ParsedLine line, int a, int b)
    {
        var ta = line.Tags[a];
        var tb = line.Tags[b];
        return line.Line.Slice(ta.KeyStart, ta.KeyLength).SequenceCompareTo(line.Line.Slice(tb.KeyStart, tb.KeyLength));
    }
}
