using System.Buffers.Binary;
using System.Numerics;

namespace Aiops.Ingest.Storage;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of spool records. <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the
/// SSE4.2 / ARMv8 CRC instructions when present (several GB/s) and a table otherwise, so no package is needed.
/// </summary>
internal static class Crc32C
{
    /// <summary>Continues a CRC over <paramref name="data"/>; start with <c>0</c> and chain the result.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        // Standard CRC-32C pre- and post-inversion, applied per call so calls chain like one pass over the concatenation.
        var state = ~crc;
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return ~state;
    }
}
