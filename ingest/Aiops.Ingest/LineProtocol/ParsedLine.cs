namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// The tokens of one valid line. A view only: it refers to the parsed line and to the caller's tag and field
/// buffers, so it is valid only while those are unchanged (in practice until the next
/// <see cref="LineProtocolParser.TryParseLine"/> call with the same buffers).
/// </summary>
public readonly ref struct ParsedLine
{
    private readonly ReadOnlySpan<byte> _line;
    private readonly ReadOnlySpan<TagToken> _tags;
    private readonly ReadOnlySpan<FieldToken> _fields;
    private readonly int _measurementStart;
    private readonly int _measurementLength;
    private readonly bool _measurementEscaped;
    private readonly bool _hasTimestamp;
    private readonly long _timestampNs;
    private readonly int _fieldSetEnd;

    internal ParsedLine(
        ReadOnlySpan<byte> line,
        int measurementStart,
        int measurementLength,
        bool measurementEscaped,
        ReadOnlySpan<TagToken> tags,
        ReadOnlySpan<FieldToken> fields,
        int fieldSetEnd,
        bool hasTimestamp,
        long timestampNs)
    {
        _line = line;
        _measurementStart = measurementStart;
        _measurementLength = measurementLength;
        _measurementEscaped = measurementEscaped;
        _tags = tags;
        _fields = fields;
        _fieldSetEnd = fieldSetEnd;
        _hasTimestamp = hasTimestamp;
        _timestampNs = timestampNs;
    }

    /// <summary>The whole line as given to the parser (no newline; may start with blanks).</summary>
    public ReadOnlySpan<byte> Line => _line;

    /// <summary>Offset of the measurement in <see cref="Line"/> (after any leading blanks).</summary>
    public int MeasurementStart => _measurementStart;

    /// <summary>The measurement, raw (still escaped).</summary>
    public ReadOnlySpan<byte> MeasurementRaw => _line.Slice(_measurementStart, _measurementLength);

    /// <summary>True when <see cref="MeasurementRaw"/> contains an escape sequence.</summary>
    public bool MeasurementEscaped => _measurementEscaped;

    /// <summary>Tags in line order (not sorted, duplicates kept).</summary>
    public ReadOnlySpan<TagToken> Tags => _tags;

    /// <summary>Fields in line order (duplicates kept; InfluxDB keeps the last).</summary>
    public ReadOnlySpan<FieldToken> Fields => _fields;

    /// <summary>True when the line carried its own timestamp.</summary>
    public bool HasTimestamp => _hasTimestamp;

    /// <summary>The line's timestamp converted to nanoseconds, or the caller's default when it had none.</summary>
    public long TimestampNs => _timestampNs;

    /// <summary>Offset just past the field set: <c>Line[MeasurementStart..FieldSetEnd]</c> is the line without its timestamp.</summary>
    public int FieldSetEnd => _fieldSetEnd;

    public ReadOnlySpan<byte> TagKeyRaw(int index)
    {
        ref readonly TagToken t = ref _tags[index];
        return _line.Slice(t.KeyStart, t.KeyLength);
    }

    public ReadOnlySpan<byte> TagValueRaw(int index)
    {
        ref readonly TagToken t = ref _tags[index];
        return _line.Slice(t.ValueStart, t.ValueLength);
    }

    public ReadOnlySpan<byte> FieldKeyRaw(int index)
    {
        ref readonly FieldToken f = ref _fields[index];
        return _line.Slice(f.KeyStart, f.KeyLength);
    }

    /// <summary>Raw bytes between the quotes of a string field (empty for other kinds).</summary>
    public ReadOnlySpan<byte> FieldStringRaw(int index)
    {
        ref readonly FieldToken f = ref _fields[index];
        return _line.Slice(f.StringStart, f.StringLength);
    }

    /// <summary>Unescaped measurement as a string (allocates; not for the hot path).</summary>
    public string GetMeasurement() =>
        LineProtocolEscaping.GetString(MeasurementRaw, _measurementEscaped, LineProtocolEscaping.Context.Measurement);

    /// <summary>Unescaped tag key as a string (allocates).</summary>
    public string GetTagKey(int index) =>
        LineProtocolEscaping.GetString(TagKeyRaw(index), _tags[index].KeyEscaped, LineProtocolEscaping.Context.TagOrFieldKey);

    /// <summary>Unescaped tag value as a string (allocates).</summary>
    public string GetTagValue(int index) =>
        LineProtocolEscaping.GetString(TagValueRaw(index), _tags[index].ValueEscaped, LineProtocolEscaping.Context.TagOrFieldKey);

    /// <summary>Unescaped field key as a string (allocates).</summary>
    public string GetFieldKey(int index) =>
        LineProtocolEscaping.GetString(FieldKeyRaw(index), _fields[index].KeyEscaped, LineProtocolEscaping.Context.TagOrFieldKey);

    /// <summary>Unescaped string field value (allocates).</summary>
    public string GetFieldString(int index) =>
        LineProtocolEscaping.GetString(FieldStringRaw(index), _fields[index].StringEscaped, LineProtocolEscaping.Context.StringField);
}
