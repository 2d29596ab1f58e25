namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// Splits a whole body held in one span into lines. Skips blank lines (only spaces and tabs) and comment lines
/// (first byte after any spaces is <c>#</c>), trims one trailing <c>\r</c> (so <c>\r\n</c> bodies work) and counts
/// 1-based line numbers including the skipped lines, so errors point at the right line of the body.
/// </summary>
/// <remarks>
/// Newlines always end a line: a newline inside a quoted string field is not supported (the line before it
/// is reported as an unterminated string). Returned lines are slices of the buffer; nothing is copied.
/// </remarks>
public ref struct LineSplitter
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private int _lineNumber;

    public LineSplitter(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _lineNumber = 0;
    }

    /// <summary>Returns the next non-blank, non-comment line and its 1-based number; <c>false</c> at the end of the buffer.</summary>
    public bool TryNext(out ReadOnlySpan<byte> line, out int lineNumber)
    {
        while (_position < _buffer.Length)
        {
            ReadOnlySpan<byte> rest = _buffer[_position..];
            int newline = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> candidate;
            if (newline < 0)
            {
                candidate = rest;
                _position = _buffer.Length;
            }
            else
            {
                candidate = rest[..newline];
                _position += newline + 1;
            }

            _lineNumber++;
            candidate = LineFraming.TrimCarriageReturn(candidate);
            if (LineFraming.IsBlankOrComment(candidate))
            {
                continue;
            }

            line = candidate;
            lineNumber = _lineNumber;
            return true;
        }

        line = default;
        lineNumber = _lineNumber;
        return false;
    }
}

/// <summary>Line framing rules shared by <see cref="LineSplitter"/> and <see cref="LineSequenceReader"/>.</summary>
internal static class LineFraming
{
    public static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;

    // Leading spaces are skipped as the parser skips them; a tab is data for the parser, so only a line of
    // nothing but spaces and tabs counts as blank.
    public static bool IsBlankOrComment(ReadOnlySpan<byte> line)
    {
        int i = 0;
        while (i < line.Length && line[i] == (byte)' ')
        {
            i++;
        }

        if (i == line.Length || line[i] == (byte)'#')
        {
            return true;
        }

        return line[i..].IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;
    }
}
