using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Aiops.Ingest.Storage;

/// <summary>
/// An append-only, checksummed, size-capped FIFO of line-protocol batches on disk: where the InfluxDB writer puts
/// batches while InfluxDB is down or slow, replayed in order when it returns.
/// </summary>
/// <remarks>
/// <para>Layout: segment files <c>000000000001.seg</c>, <c>000000000002.seg</c>, … (ids only grow), each a sequence of
/// records <c>magic "ASP1" | payload length | point count | CRC-32C</c> (4 × 4 bytes, little-endian; the CRC covers
/// length, count and payload) followed by the payload. A file <c>cursor</c> holds the position of the first record not
/// yet removed, and <c>LOCK</c> is held open exclusively so that two processes never share a spool.</para>
/// <para>Durability: every record is handed to the OS with one positional write (no user-space buffer), so it survives
/// a crash of the process; a segment is fsynced when it is rolled and when the spool is flushed or disposed, and on every
/// record when <c>fsyncEachRecord</c> is set (survives power loss, costs a disk flush per batch). The cursor is written
/// after every removal without fsync: after a power loss a few records may be replayed twice, which InfluxDB absorbs
/// because ingest makes every timestamp explicit (same series, time and field = overwrite).</para>
/// <para>Recovery (<see cref="Open"/>): every segment is scanned and checksummed; a torn or corrupt record is logged
/// with file and offset and skipped, and scanning resumes at the next record with a valid header and checksum, so the
/// good records around it are kept. Appends after a restart always go to a new segment, never after a torn tail.</para>
/// <para>Thread safety: all members may be called from any thread (one lock). <see cref="TryPeek"/> and
/// <see cref="RemoveHead"/> form a single-consumer protocol: one replay loop at a time.</para>
/// </remarks>
public sealed partial class DiskSpool : IDisposable
{
    /// <summary>Default size cap: 1 GiB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Default segment size: 16 MiB (recovery reads one whole segment at a time into memory).</summary>
    public const long DefaultSegmentBytes = 16L << 20;

    /// <summary>Bytes of a record header.</summary>
    public const int HeaderSize = 16;

    private const uint Magic = 0x31505341; // "ASP1" read as a little-endian uint
    private const string SegmentExtension = ".seg";
    private const string CursorFile = "cursor";
    private const string LockFile = "LOCK";

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly bool _fsyncEachRecord;
    private readonly FileStream _lockStream;
    private readonly SafeFileHandle _cursor;
    private readonly Queue<RecordRef> _records = new();
    private readonly SortedDictionary<long, Segment> _segments = [];
    private Segment? _write;
    private long _nextSegmentId;
    private long _bytes;
    private long _points;
    private bool _refused;
    private bool _disposed;

    private DiskSpool(string directory, long maxBytes, long segmentBytes, bool fsyncEachRecord, ILogger logger)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        SegmentBytes = segmentBytes;
        _fsyncEachRecord = fsyncEachRecord;
        _logger = logger;
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            // On Unix .NET implements FileShare.None with an advisory flock, so a second process (or a second host in
            // this process) pointing at the same directory fails here instead of interleaving segments.
            _lockStream = new FileStream(Path.Combine(directory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Spool directory '{directory}' is in use by another writer (could not lock '{LockFile}'): {ex.Message}", ex);
        }

        _cursor = File.OpenHandle(Path.Combine(directory, CursorFile), FileMode.OpenOrCreate, FileAccess.ReadWrite);
    }

    /// <summary>The spool's directory.</summary>
    public string Directory { get; }

    /// <summary>Cap on the bytes of all segment files; an append that would pass it is refused.</summary>
    public long MaxBytes { get; }

    /// <summary>Size at which the segment being written is closed and a new one started.</summary>
    public long SegmentBytes { get; }

    /// <summary>Bytes of the segment files on disk (records not yet removed plus removed ones in undeleted segments).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Records not yet removed.</summary>
    public int Records
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Points in the records not yet removed.</summary>
    public long Points
    {
        get
        {
            lock (_lock)
            {
                return _points;
            }
        }
    }

    /// <summary>True when no record waits.</summary>
    public bool IsEmpty => Records == 0;

    /// <summary>True since an append was refused for lack of room, until removals free space.</summary>
    public bool IsFull
    {
        get
        {
            lock (_lock)
            {
                return _refused || _bytes >= MaxBytes;
            }
        }
    }

    /// <summary>
    /// Opens (creating if needed) the spool in <paramref name="directory"/> and recovers the records a previous process
    /// left there. Corrupt records are logged and skipped; start-up never fails because of the content of a segment.
    /// </summary>
    /// <param name="directory">Folder of the spool; created when missing.</param>
    /// <param name="logger">Receives recovery and corruption warnings.</param>
    /// <param name="maxBytes">Size cap (default <see cref="DefaultMaxBytes"/>, 1 GiB).</param>
    /// <param name="segmentBytes">Segment roll size (default <see cref="DefaultSegmentBytes"/>, 16 MiB).</param>
    /// <param name="fsyncEachRecord">fsync after every append (default false: fsync per segment roll, flush and dispose).</param>
    public static DiskSpool Open(string directory, ILogger logger, long maxBytes = DefaultMaxBytes, long segmentBytes = DefaultSegmentBytes, bool fsyncEachRecord = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, HeaderSize + 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, HeaderSize + 1);
        var spool = new DiskSpool(Path.GetFullPath(directory), maxBytes, segmentBytes, fsyncEachRecord, logger);
        try
        {
            spool.Recover();
        }
        catch
        {
            spool.Dispose();
            throw;
        }

        return spool;
    }

    /// <summary>
    /// Appends one batch. Returns false, writing nothing, when the record would take the spool past
    /// <see cref="MaxBytes"/>. I/O errors (disk full, permissions) propagate as <see cref="IOException"/>.
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> payload, int points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var size = HeaderSize + (long)payload.Length;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_bytes + size > MaxBytes)
            {
                _refused = true;
                return false;
            }

            if (_write is null || (_write.Length > 0 && _write.Length + size > SegmentBytes))
            {
                RollLocked();
            }

            var segment = _write!;
            Span<byte> header = stackalloc byte[HeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], payload.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], points);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Crc32C.Append(Crc32C.Append(0, header[4..12]), payload));
            var offset = segment.Length;
            try
            {
                RandomAccess.Write(segment.Handle!, header, offset);
                RandomAccess.Write(segment.Handle!, payload, offset + HeaderSize);
                if (_fsyncEachRecord)
                {
                    RandomAccess.FlushToDisk(segment.Handle!);
                }
            }
            catch (IOException)
            {
                // A partial record would be skipped by its checksum on recovery, but appending after it in this process
                // would put good records behind garbage: start the next append in a fresh segment instead.
                segment.Length = RandomAccess.GetLength(segment.Handle!);
                _bytes += segment.Length - offset;
                CloseWriteLocked();
                throw;
            }

            segment.Length += size;
            segment.Records++;
            _bytes += size;
            _points += points;
            _records.Enqueue(new RecordRef(segment.Id, offset, payload.Length, points));
            return true;
        }
    }

    /// <summary>
    /// Reads the oldest record into a buffer the caller disposes, without removing it. Records whose checksum no longer
    /// matches are logged and dropped. Returns false when the spool is empty.
    /// </summary>
    public bool TryPeek(out SpoolRecord record)
    {
        var one = new List<SpoolRecord>(1);
        var found = PeekHead(1, one) == 1;
        record = found ? one[0] : default;
        return found;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> of the oldest records, oldest first, into <paramref name="into"/> without
    /// removing them (the caller disposes them). A corrupt record at the head is logged and dropped; one further back
    /// ends the read, to be dropped once it reaches the head, so that removal stays strictly FIFO. Returns the count read.
    /// </summary>
    public int PeekHead(int max, List<SpoolRecord> into)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = 0;
            while (count == 0 && _records.TryPeek(out var head))
            {
                if (TryReadLocked(head, out var record))
                {
                    into.Add(record);
                    count++;
                }
                else
                {
                    RemoveHeadLocked();
                }
            }

            if (count == 0)
            {
                return 0;
            }

            foreach (var next in _records.Skip(1))
            {
                if (count == max || !TryReadLocked(next, out var record, logProblem: false))
                {
                    break;
                }

                into.Add(record);
                count++;
            }

            return count;
        }
    }

    /// <summary>Removes the oldest record (the one <see cref="TryPeek"/> returned) and deletes segments left empty.</summary>
    public void RemoveHead() => RemoveHead(1);

    /// <summary>Removes the <paramref name="count"/> oldest records and deletes segments left empty.</summary>
    public void RemoveHead(int count)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var i = 0; i < count; i++)
            {
                RemoveHeadLocked();
            }
        }
    }

    private bool TryReadLocked(RecordRef at, out SpoolRecord record, bool logProblem = true)
    {
        var segment = _segments[at.SegmentId];
        var buffer = new PooledBuffer(HeaderSize + at.Length);
        var span = buffer.GetSpan(HeaderSize + at.Length)[..(HeaderSize + at.Length)];
        string? problem;
        try
        {
            // The segment being written is read through its own handle; older ones are opened per read (rare: replay).
            using var handle = segment.Handle is null ? File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
            var read = ReadFully(segment.Handle ?? handle!, span, at.Offset);
            problem = read < span.Length ? "file shorter than its index" : Validate(span, at);
        }
        catch (IOException ex)
        {
            problem = ex.Message;
        }

        if (problem is null)
        {
            // Keep only the payload: the header has been checked and the caller sends the bytes as they are.
            span[HeaderSize..].CopyTo(span);
            buffer.Advance(at.Length);
            record = new SpoolRecord(buffer, at.Points);
            return true;
        }

        buffer.Dispose();
        if (logProblem)
        {
            LogCorruptOnRead(_logger, segment.Path, at.Offset, at.Points, problem);
        }

        record = default;
        return false;
    }

    /// <summary>fsyncs the segment being written.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed && _write?.Handle is { } handle)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            var empty = _records.Count == 0;
            if (empty && _write is { } write)
            {
                CloseWriteLocked();
                DeleteSegmentLocked(write);
            }

            CloseWriteLocked();
            _cursor.Dispose();
            if (empty && _segments.Count == 0)
            {
                // Nothing to replay: leave no files behind (the cursor means nothing without segments). The lock file
                // goes while still held, so a process waiting for it creates a fresh one.
                TryDelete(Path.Combine(Directory, CursorFile));
                TryDelete(Path.Combine(Directory, LockFile));
                _lockStream.Dispose();
                try
                {
                    System.IO.Directory.Delete(Directory);
                }
                catch (IOException)
                {
                    // Not empty (someone else's files) or already gone: either way nothing of ours is left.
                }
            }
            else
            {
                _lockStream.Dispose();
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private void RemoveHeadLocked()
    {
        if (!_records.TryDequeue(out var head))
        {
            return;
        }

        _points -= head.Points;
        var segment = _segments[head.SegmentId];
        segment.Records--;
        WriteCursorLocked(head.SegmentId, head.Offset + HeaderSize + head.Length);
        if (segment.Records > 0)
        {
            return;
        }

        if (segment == _write)
        {
            if (_records.Count > 0)
            {
                return;
            }

            // The spool is empty: drop the write segment too so that its removed records stop counting against the cap.
            CloseWriteLocked();
        }

        DeleteSegmentLocked(segment);
    }

    private void RollLocked()
    {
        if (_write is { } previous)
        {
            CloseWriteLocked();
            if (previous.Records == 0)
            {
                DeleteSegmentLocked(previous);
            }
        }

        var id = _nextSegmentId++;
        var path = Path.Combine(Directory, id.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);
        var segment = new Segment(id, path)
        {
            Handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete),
        };
        _segments.Add(id, segment);
        _write = segment;
    }

    private void CloseWriteLocked()
    {
        if (_write?.Handle is { } handle)
        {
            try
            {
                // fsync per segment: records of a closed segment survive power loss.
                RandomAccess.FlushToDisk(handle);
            }
            finally
            {
                handle.Dispose();
                _write.Handle = null;
            }
        }

        _write = null;
    }

    private void DeleteSegmentLocked(Segment segment)
    {
        _segments.Remove(segment.Id);
        _bytes -= segment.Length;
        _refused = false;
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException ex)
        {
            LogDeleteFailed(_logger, segment.Path, ex.Message);
        }
    }

    private void WriteCursorLocked(long segmentId, long offset)
    {
        Span<byte> cursor = stackalloc byte[20];
        BinaryPrimitives.WriteInt64LittleEndian(cursor, segmentId);
        BinaryPrimitives.WriteInt64LittleEndian(cursor[8..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(cursor[16..], Crc32C.Append(0, cursor[..16]));
        RandomAccess.Write(_cursor, cursor, 0);
    }

    private void Recover()
    {
        // The cursor says which records were already replayed; a torn or missing cursor means "from the start", which
        // at worst replays records twice (idempotent in InfluxDB, see remarks).
        long cursorSegment = -1, cursorOffset = 0;
        Span<byte> cursor = stackalloc byte[20];
        if (ReadFully(_cursor, cursor, 0) == cursor.Length
            && BinaryPrimitives.ReadUInt32LittleEndian(cursor[16..]) == Crc32C.Append(0, cursor[..16]))
        {
            cursorSegment = BinaryPrimitives.ReadInt64LittleEndian(cursor);
            cursorOffset = BinaryPrimitives.ReadInt64LittleEndian(cursor[8..]);
        }

        var files = new List<(long Id, string Path)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + SegmentExtension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                files.Add((id, path));
            }
        }

        files.Sort((a, b) => a.Id.CompareTo(b.Id));
        // New ids must stay above the cursor's segment even when every segment is gone (crash right after the spool
        // emptied): a lower id would read as "already replayed" on the next start.
        _nextSegmentId = Math.Max(files.Count == 0 ? 0 : files[^1].Id, Math.Max(cursorSegment, 0)) + 1;
        long recoveredRecords = 0, recoveredPoints = 0;
        foreach (var (id, path) in files)
        {
            var segment = new Segment(id, path);
            var start = id == cursorSegment ? cursorOffset : 0;
            if (id < cursorSegment)
            {
                start = long.MaxValue;
            }

            var data = start == long.MaxValue ? [] : File.ReadAllBytes(path);
            segment.Length = start == long.MaxValue ? new FileInfo(path).Length : data.Length;
            _segments.Add(id, segment);
            _bytes += segment.Length;
            ScanSegment(segment, data, start);
            if (segment.Records == 0)
            {
                DeleteSegmentLocked(segment);
            }
            else
            {
                recoveredRecords += segment.Records;
            }
        }

        recoveredPoints = _points;
        if (recoveredRecords > 0)
        {
            LogRecovered(_logger, recoveredRecords, recoveredPoints, Directory);
        }
    }

    private void ScanSegment(Segment segment, byte[] data, long start)
    {
        var pos = start;
        while (pos < data.Length)
        {
            var problem = TryParseAt(data, pos, out var length, out var points);
            if (problem is null)
            {
                segment.Records++;
                _points += points;
                _records.Enqueue(new RecordRef(segment.Id, pos, length, points));
                pos += HeaderSize + length;
                continue;
            }

            // Resynchronise on the next valid record rather than dropping the rest of the segment: one torn write must
            // not take the good records after it down with it.
            var next = -1L;
            for (var p = pos + 1; p <= data.Length - HeaderSize; p++)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)p)) == Magic && TryParseAt(data, p, out _, out _) is null)
                {
                    next = p;
                    break;
                }
            }

            var skipped = (next < 0 ? data.Length : next) - pos;
            LogCorruptOnRecovery(_logger, segment.Path, pos, skipped, problem);
            if (next < 0)
            {
                return;
            }

            pos = next;
        }
    }

    private static string? TryParseAt(byte[] data, long pos, out int length, out int points)
    {
        length = 0;
        points = 0;
        if (data.Length - pos < HeaderSize)
        {
            return "torn header";
        }

        var header = data.AsSpan((int)pos, HeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "bad magic";
        }

        length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        points = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (length < 0 || points < 0 || length > data.Length - pos - HeaderSize)
        {
            return "torn payload";
        }

        return Validate(data.AsSpan((int)pos, HeaderSize + length), new RecordRef(0, pos, length, points));
    }

    private static string? Validate(ReadOnlySpan<byte> record, RecordRef expected)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Magic
            || BinaryPrimitives.ReadInt32LittleEndian(record[4..]) != expected.Length
            || BinaryPrimitives.ReadInt32LittleEndian(record[8..]) != expected.Points)
        {
            return "header changed";
        }

        var crc = Crc32C.Append(Crc32C.Append(0, record[4..12]), record[HeaderSize..]);
        return crc == BinaryPrimitives.ReadUInt32LittleEndian(record[12..]) ? null : "checksum mismatch";
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool recovered {Records} records ({Points} points) from {Directory}; they will be replayed to InfluxDB")]
    private static partial void LogRecovered(ILogger logger, long records, long points, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path}: corrupt or torn record at offset {Offset} ({Problem}); skipped {Bytes} bytes")]
    private static partial void LogCorruptOnRecovery(ILogger logger, string path, long offset, long bytes, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path}: record at offset {Offset} ({Points} points) unreadable on replay ({Problem}); dropped")]
    private static partial void LogCorruptOnRead(ILogger logger, string path, long offset, int points, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete replayed spool segment {Path}: {Failure}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, string failure);

    private readonly record struct RecordRef(long SegmentId, long Offset, int Length, int Points);

    private sealed class Segment(long id, string path)
    {
        public long Id { get; } = id;

        public string Path { get; } = path;

        public long Length { get; set; }

        public int Records { get; set; }

        /// <summary>Open only while this is the segment being written.</summary>
        public SafeFileHandle? Handle { get; set; }
    }
}

/// <summary>One spooled batch: its line protocol (owned by the caller, who disposes it) and point count.</summary>
public readonly record struct SpoolRecord(PooledBuffer Payload, int Points) : IDisposable
{
    public void Dispose() => Payload.Dispose();
}
