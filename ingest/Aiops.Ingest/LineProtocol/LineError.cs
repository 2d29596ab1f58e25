namespace Aiops.Ingest.LineProtocol;

/// <summary>Why a line was rejected. Each code has one fixed message (<see cref="LineError.Message"/>).</summary>
public enum LineErrorCode : byte
{
    None,
    MissingMeasurement,
    InvalidMeasurement,
    EmptyTagKey,
    MissingTagEquals,
    EmptyTagValue,
    UnescapedEqualsInTagValue,
    TooManyTags,
    MissingFields,
    EmptyFieldKey,
    MissingFieldEquals,
    MissingFieldValue,
    InvalidFieldValue,
    InvalidBoolean,
    IntegerOutOfRange,
    UnsignedOutOfRange,
    FloatOutOfRange,
    UnterminatedString,
    UnexpectedCharacterAfterField,
    TooManyFields,
    InvalidTimestamp,
    TimestampOutOfRange,
    TrailingGarbage,
    InvalidUtf8,
    LineTooLong,
}

/// <summary>
/// A rejected line: the 1-based byte column (within the line, counting any leading blanks) where the problem was
/// found, and the reason. <see cref="Message"/> is a static string per code, so building an error never allocates.
/// </summary>
public readonly record struct LineError(int Column, LineErrorCode Code)
{
    /// <summary>Fixed human-readable text for <see cref="Code"/>.</summary>
    public string Message => GetMessage(Code);

    /// <summary>Fixed human-readable text for <paramref name="code"/>.</summary>
    public static string GetMessage(LineErrorCode code) => code switch
    {
        LineErrorCode.None => "no error",
        LineErrorCode.MissingMeasurement => "missing measurement",
        LineErrorCode.InvalidMeasurement => "invalid measurement (must not start with '#')",
        LineErrorCode.EmptyTagKey => "empty tag key",
        LineErrorCode.MissingTagEquals => "tag without '=' (expected key=value)",
        LineErrorCode.EmptyTagValue => "empty tag value",
        LineErrorCode.UnescapedEqualsInTagValue => "unescaped '=' in tag value",
        LineErrorCode.TooManyTags => "too many tags (limit is the tag buffer size)",
        LineErrorCode.MissingFields => "missing field set (at least one field is required)",
        LineErrorCode.EmptyFieldKey => "empty field key",
        LineErrorCode.MissingFieldEquals => "field without '=' (expected key=value)",
        LineErrorCode.MissingFieldValue => "missing field value",
        LineErrorCode.InvalidFieldValue => "invalid field value",
        LineErrorCode.InvalidBoolean => "invalid boolean (expected t, T, true, True, TRUE, f, F, false, False or FALSE)",
        LineErrorCode.IntegerOutOfRange => "integer field value out of range (signed 64-bit)",
        LineErrorCode.UnsignedOutOfRange => "unsigned field value out of range (unsigned 64-bit)",
        LineErrorCode.FloatOutOfRange => "float field value out of range (must be finite)",
        LineErrorCode.UnterminatedString => "unterminated string field value",
        LineErrorCode.UnexpectedCharacterAfterField => "unexpected character after field value (expected ',' or ' ')",
        LineErrorCode.TooManyFields => "too many fields (limit is the field buffer size)",
        LineErrorCode.InvalidTimestamp => "invalid timestamp (expected an integer)",
        LineErrorCode.TimestampOutOfRange => "timestamp out of range (signed 64-bit nanoseconds)",
        LineErrorCode.TrailingGarbage => "unexpected text after timestamp",
        LineErrorCode.InvalidUtf8 => "invalid UTF-8 sequence",
        LineErrorCode.LineTooLong => "line too long",
        _ => "unknown error",
    };

    /// <inheritdoc />
    public override string ToString() => $"column {Column}: {Message}";
}
