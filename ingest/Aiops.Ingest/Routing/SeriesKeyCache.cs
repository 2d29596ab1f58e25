using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Aiops.Ingest.LineProtocol;

namespace Aiops.Ingest.Routing;

/// <summary>
/// Turns the raw bytes of a point's names into the strings grains are keyed by, allocating each string once.
/// </summary>
/// <remarks>
/// Lookups go through <see cref="ConcurrentDictionary{TKey,TValue}.GetAlternateLookup{TAlternateKey}"/> with a
/// <see cref="ReadOnlySpan{T}"/> of chars built on the stack, so a known name costs no allocation. The cache is bounded
/// (<see cref="MaxEntries"/>); when full it is cleared, trading a burst of allocations for bounded memory under
/// runaway cardinality.
/// </remarks>
public sealed class SeriesKeyCache
{
    /// <summary>Entries kept before the cache is cleared (default 500,000).</summary>
    public const int MaxEntries = 500_000;

    private const int StackLimit = 512;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public SeriesKeyCache() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The unescaped string of a tag value (host or CI name).</summary>
    public string GetName(ReadOnlySpan<byte> raw, bool escaped)
    {
        byte[]? rented = null;
        var bytes = raw.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        var length = escaped ? LineProtocolEscaping.Unescape(raw, bytes, LineProtocolEscaping.Context.TagOrFieldKey) : Copy(raw, bytes);
        var result = Intern(bytes[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return result;
    }

    /// <summary>
    /// The series key of field <paramref name="fieldIndex"/>: <c>measurement.field</c>, then <c>{k=v,…}</c> with the
    /// point's tags other than <c>host</c> and <c>ci</c>, sorted by key (<paramref name="tagOrder"/>).
    /// </summary>
    public string GetSeries(scoped in ParsedLine line, int fieldIndex, ReadOnlySpan<int> tagOrder)
    {
        var estimate = line.FieldSetEnd + 8;
        byte[]? rented = null;
        var bytes = estimate <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(estimate));
        var n = Append(bytes, 0, line.MeasurementRaw, line.MeasurementEscaped, LineProtocolEscaping.Context.Measurement);
        bytes[n++] = (byte)'.';
        var field = line.Fields[fieldIndex];
        n = Append(bytes, n, line.Line.Slice(field.KeyStart, field.KeyLength), field.KeyEscaped, LineProtocolEscaping.Context.TagOrFieldKey);
        if (tagOrder.Length > 0)
        {
            bytes[n++] = (byte)'{';
            for (var i = 0; i < tagOrder.Length; i++)
            {
                var tag = line.Tags[tagOrder[i]];
                if (i > 0)
                {
                    bytes[n++] = (byte)',';
                }

                n = Append(bytes, n, line.Line.Slice(tag.KeyStart, tag.KeyLength), tag.KeyEscaped, LineProtocolEscaping.Context.TagOrFieldKey);
                bytes[n++] = (byte)'=';
                n = Append(bytes, n, line.Line.Slice(tag.ValueStart, tag.ValueLength), tag.ValueEscaped, LineProtocolEscaping.Context.TagOrFieldKey);
            }

            bytes[n++] = (byte)'}';
        }

        var result = Intern(bytes[..n]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return result;
    }

    private string Intern(ReadOnlySpan<byte> utf8)
    {
        char[]? rented = null;
        var chars = utf8.Length <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(utf8.Length));
        var count = Encoding.UTF8.GetChars(utf8, chars);
        var key = chars[..count];
        if (!_lookup.TryGetValue(key, out var value))
        {
            if (_strings.Count >= MaxEntries)
            {
                _strings.Clear();
            }

            value = new string(key);
            _strings.TryAdd(value, value);
        }

        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return value;
    }

    private static int Copy(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        raw.CopyTo(destination);
        return raw.Length;
    }

    private static int Append(Span<byte> destination, int offset, ReadOnlySpan<byte> raw, bool escaped, LineProtocolEscaping.Context context) =>
        offset + (escaped ? LineProtocolEscaping.Unescape(raw, destination[offset..], context) : Copy(raw, destination[offset..]));
}
