namespace Aiops.Ingest.LineProtocol;

/// <summary>Type of a field value, decided by its syntax (quotes, <c>i</c>/<c>u</c> suffix, boolean words, else float).</summary>
public enum FieldKind : byte
{
    Float,
    Integer,
    UInteger,
    String,
    Boolean,
}

/// <summary>
/// One tag of a parsed line: offsets into <see cref="ParsedLine.Line"/> of the raw (still escaped) key and value.
/// <c>KeyEscaped</c>/<c>ValueEscaped</c> are true only when the raw bytes contain an escape sequence, so
/// callers can skip <see cref="LineProtocolEscaping.Unescape"/> in the common case.
/// </summary>
public struct TagToken
{
    public int KeyStart;
    public int KeyLength;
    public int ValueStart;
    public int ValueLength;
    public bool KeyEscaped;
    public bool ValueEscaped;
}

/// <summary>
/// One field of a parsed line. The key is an offset range into <see cref="ParsedLine.Line"/> (raw, escaped);
/// numeric and boolean values are already decoded; string values are an offset range of the raw bytes between
/// the quotes (unescape with <see cref="LineProtocolEscaping.Context.StringField"/> when <c>StringEscaped</c>).
/// Only the member matching <see cref="Kind"/> is meaningful; the others are zero.
/// </summary>
public struct FieldToken
{
    public int KeyStart;
    public int KeyLength;
    public bool KeyEscaped;
    public FieldKind Kind;
    public double Float;
    public long Integer;
    public ulong UInteger;
    public bool Boolean;
    public int StringStart;
    public int StringLength;
    public bool StringEscaped;
}
