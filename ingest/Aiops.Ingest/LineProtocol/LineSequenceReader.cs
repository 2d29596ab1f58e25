using System.Buffers;

namespace Aiops.Ingest.LineProtocol;

/// <summary>
/// Splits a <see cref="ReadOnlySequence{T}"/> (e.g. a <c>PipeReader</c> read result, possibly many small segments)
/// into lines with the same rules as <see cref="LineSplitter"/>: blank and <c>#</c> comment lines skipped, one
/// trailing <c>\r</c> trimmed, 1-based line numbers.
/// </summary>
/// <remarks>
/// <para>A line inside one segment is returned as a slice of it (no copy). A line that crosses segments is copied
/// into a scratch buffer the reader rents from <see cref="ArrayPool{T}.Shared"/> and grows up to
/// <c>maxLineLength</c>; call <see cref="Dispose"/> to return it. Either way a returned span is valid only until
/// the next <see cref="TryNext"/> or <see cref="Dispose"/> call.</para>
/// <para>Streaming: construct one reader per read result. <see cref="TryNext"/> returns <c>false</c> when no
/// complete line remains; then advance the pipe to <see cref="Consumed"/> (examined: the end), read more and
/// construct the next reader with <c>linesBefore: reader.LineNumber</c> and
/// <c>skippingLongLine: reader.IsSkippingLongLine</c>. With <c>isFinalBlock</c> the unterminated last line is
/// returned too.</para>
/// <para>A line longer than <c>maxLineLength</c> bytes (default <see cref="DefaultMaxLineLength"/>, excluding the
/// newline) is never truncated: <see cref="TryNext"/> reports it once with <c>tooLong = true</c> and an empty
/// span, and its bytes are skipped up to the next newline, even across later read results, so a huge line cannot
/// make the caller buffer unboundedly.</para>
/// </remarks>
public ref struct LineSequenceReader
{
    /// <summary>Default longest line: 64 KiB, the ingest limit in DESIGN §4.</summary>
    public const int DefaultMaxLineLength = 64 * 1024;

    // The first scratch buffer is small: crossing lines are usually ordinary ~200-byte lines.
    private const int MinimumScratch = 1024;

    private SequenceReader<byte> _reader;
    private readonly bool _isFinalBlock;
    private readonly int _maxLineLength;
    private byte[]? _scratch;
    private int _lineNumber;
    private bool _skipping;

    /// <param name="sequence">The bytes to split.</param>
    /// <param name="isFinalBlock">True when no more data follows, so an unterminated last line is complete.</param>
    /// <param name="maxLineLength">Longest accepted line in bytes (default 64 KiB).</param>
    /// <param name="linesBefore">Lines already consumed by earlier readers of the same stream (for line numbers).</param>
    /// <param name="skippingLongLine">True when the previous reader stopped inside a too-long line (its <see cref="IsSkippingLongLine"/>).</param>
    public LineSequenceReader(
        ReadOnlySequence<byte> sequence,
        bool isFinalBlock,
        int maxLineLength = DefaultMaxLineLength,
        int linesBefore = 0,
        bool skippingLongLine = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineLength);
        ArgumentOutOfRangeException.ThrowIfNegative(linesBefore);
        _reader = new SequenceReader<byte>(sequence);
        _isFinalBlock = isFinalBlock;
        _maxLineLength = maxLineLength;
        _lineNumber = linesBefore;
        _skipping = skippingLongLine;
        _scratch = null;
    }

    /// <summary>Position just past the last complete line consumed (returned, skipped or discarded).</summary>
    public readonly SequencePosition Consumed => _reader.Position;

    /// <summary>Number of lines consumed so far, counting from the stream start (pass to the next reader).</summary>
    public readonly int LineNumber => _lineNumber;

    /// <summary>True while inside a too-long line whose newline has not been seen yet (pass to the next reader).</summary>
    public readonly bool IsSkippingLongLine => _skipping;

    /// <summary>
    /// Returns the next line. <paramref name="tooLong"/> is true (with an empty <paramref name="line"/>) for a line
    /// over the limit. Returns <c>false</c> when no complete line remains.
    /// </summary>
    public bool TryNext(out ReadOnlySpan<byte> line, out int lineNumber, out bool tooLong)
    {
        while (!_reader.End)
        {
            ReadOnlySequence<byte> raw;
            if (_reader.TryReadTo(out raw, (byte)'\n', advancePastDelimiter: true))
            {
                _lineNumber++;
                if (_skipping)
                {
                    // The tail of a line already reported as too long.
                    _skipping = false;
                    continue;
                }
            }
            else
            {
                long remaining = _reader.Remaining;
                if (!_isFinalBlock)
                {
                    if (_skipping)
                    {
                        _reader.AdvanceToEnd();
                    }
                    else if (remaining > _maxLineLength)
                    {
                        // Report now, before the newline arrives, and discard what we have so the caller's
                        // pipe does not have to hold the whole oversized line.
                        _skipping = true;
                        _reader.AdvanceToEnd();
                        return TooLong(out line, out lineNumber, out tooLong, _lineNumber + 1);
                    }

                    break;
                }

                raw = _reader.UnreadSequence;
                _reader.AdvanceToEnd();
                _lineNumber++;
                if (_skipping)
                {
                    _skipping = false;
                    continue;
                }
            }

            if (raw.Length > _maxLineLength)
            {
                return TooLong(out line, out lineNumber, out tooLong, _lineNumber);
            }

            ReadOnlySpan<byte> span = raw.IsSingleSegment ? raw.FirstSpan : CopyToScratch(raw);
            span = LineFraming.TrimCarriageReturn(span);
            if (LineFraming.IsBlankOrComment(span))
            {
                continue;
            }

            line = span;
            lineNumber = _lineNumber;
            tooLong = false;
            return true;
        }

        line = default;
        lineNumber = _lineNumber;
        tooLong = false;
        return false;
    }

    /// <summary>Returns the scratch buffer to the pool. Spans returned earlier must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }

    private static bool TooLong(out ReadOnlySpan<byte> line, out int lineNumber, out bool tooLong, int number)
    {
        line = default;
        lineNumber = number;
        tooLong = true;
        return true;
    }

    private ReadOnlySpan<byte> CopyToScratch(ReadOnlySequence<byte> raw)
    {
        int length = (int)raw.Length;
        if (_scratch is null || _scratch.Length < length)
        {
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, MinimumScratch));
        }

        raw.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }
}
