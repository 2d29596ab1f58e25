using System.Buffers.Binary;

namespace Aiops.Analytics.Anomaly;

/// <summary>Little-endian cursor over a snapshot being written.</summary>
internal ref struct SnapshotWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public SnapshotWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Written => _position;

    public void Byte(byte v) => _buffer[_position++] = v;

    public void Int(int v)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer[_position..], v);
        _position += 4;
    }

    public void Long(long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer[_position..], v);
        _position += 8;
    }

    public void Double(double v)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer[_position..], v);
        _position += 8;
    }

    public void Float(float v)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_buffer[_position..], v);
        _position += 4;
    }

    public void Half(Half v)
    {
        BinaryPrimitives.WriteHalfLittleEndian(_buffer[_position..], v);
        _position += 2;
    }

    public void Bytes(ReadOnlySpan<byte> v)
    {
        v.CopyTo(_buffer[_position..]);
        _position += v.Length;
    }
}

/// <summary>Little-endian cursor over a snapshot being read; running past the end is a <see cref="FormatException"/>.</summary>
internal ref struct SnapshotReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public SnapshotReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly bool AtEnd => _position == _buffer.Length;

    public byte Byte() => Take(1)[0];

    public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public float Float() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public Half Half() => BinaryPrimitives.ReadHalfLittleEndian(Take(2));

    public void Bytes(Span<byte> destination) => Take(destination.Length).CopyTo(destination);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_position + count > _buffer.Length)
        {
            throw new FormatException(
                $"detector snapshot truncated: needed {count} bytes at offset {_position}, length {_buffer.Length}");
        }

        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}
