using System.Text;
using Aiops.Ingest.Storage;
using Microsoft.Extensions.Logging;

namespace Aiops.Ingest.Tests.Storage;

public sealed class DiskSpoolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aiops-spool-test-" + Guid.NewGuid().ToString("N"));
    private readonly ListLogger _logger = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TryPeek_AfterAppends_ReturnsRecordsInAppendOrder()
    {
        using var spool = DiskSpool.Open(_dir, _logger);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(spool.TryAppend(Payload(i), i + 1));
        }

        Assert.Equal(5, spool.Records);
        Assert.Equal(15, spool.Points);
        Assert.Equal(Drain(spool), Enumerable.Range(0, 5).Select(i => (Text(i), i + 1)));
        Assert.True(spool.IsEmpty);
    }

    [Fact]
    public void TryPeek_WithoutRemoveHead_ReturnsSameRecordAgain()
    {
        using var spool = DiskSpool.Open(_dir, _logger);
        spool.TryAppend(Payload(1), 1);
        spool.TryAppend(Payload(2), 1);

        Assert.True(spool.TryPeek(out var first));
        using (first)
        {
            Assert.True(spool.TryPeek(out var again));
            using (again)
            {
                Assert.Equal(Encoding.UTF8.GetString(first.Payload.WrittenSpan), Encoding.UTF8.GetString(again.Payload.WrittenSpan));
            }
        }

        Assert.Equal(2, spool.Records);
    }

    [Fact]
    public void PeekHead_ThenRemoveHeadCount_ReadsOldestInOrderAndRemovesThem()
    {
        using var spool = DiskSpool.Open(_dir, _logger);
        for (var i = 0; i < 5; i++)
        {
            spool.TryAppend(Payload(i), 1);
        }

        var records = new List<SpoolRecord>();
        Assert.Equal(3, spool.PeekHead(3, records));
        Assert.Equal([Text(0), Text(1), Text(2)], records.Select(r => Encoding.UTF8.GetString(r.Payload.WrittenSpan)));
        records.ForEach(r => r.Dispose());

        spool.RemoveHead(2);

        Assert.Equal([(Text(2), 1), (Text(3), 1), (Text(4), 1)], Drain(spool));
    }

    [Fact]
    public void Open_AfterRestart_ReplaysRemainingRecordsOnly()
    {
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            for (var i = 0; i < 4; i++)
            {
                spool.TryAppend(Payload(i), 10);
            }

            // Two replayed before the "crash": the cursor must keep them from coming back.
            spool.RemoveHead();
            spool.RemoveHead();
        }

        using var reopened = DiskSpool.Open(_dir, _logger);
        Assert.Equal(2, reopened.Records);
        Assert.Equal(20, reopened.Points);
        reopened.TryAppend(Payload(9), 1);
        Assert.Equal([(Text(2), 10), (Text(3), 10), (Text(9), 1)], Drain(reopened));
    }

    [Fact]
    public void Open_TornTailRecord_LogsAndKeepsRecordsBeforeIt()
    {
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            spool.TryAppend(Payload(0), 1);
            spool.TryAppend(Payload(1), 1);
        }

        // A crash in the middle of an append: half a record at the end of the segment.
        var segment = SingleSegment();
        var length = new FileInfo(segment).Length;
        using (var f = new FileStream(segment, FileMode.Open))
        {
            f.SetLength(length - 3);
        }

        using var reopened = DiskSpool.Open(_dir, _logger);
        Assert.Equal([(Text(0), 1)], Drain(reopened));
        Assert.Contains(_logger.Messages, m => m.Contains(Path.GetFileName(segment), StringComparison.Ordinal) && m.Contains("torn", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_CorruptRecordInMiddle_SkipsItAndKeepsRecordsAroundIt()
    {
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            for (var i = 0; i < 3; i++)
            {
                spool.TryAppend(Payload(i), 1);
            }
        }

        // Flip one payload byte of the second record: its checksum no longer matches.
        var segment = SingleSegment();
        var bytes = File.ReadAllBytes(segment);
        var second = DiskSpool.HeaderSize + Payload(0).Length;
        bytes[second + DiskSpool.HeaderSize + 2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        using var reopened = DiskSpool.Open(_dir, _logger);
        Assert.Equal([(Text(0), 1), (Text(2), 1)], Drain(reopened));
        Assert.Contains(_logger.Messages, m => m.Contains($"offset {second}", StringComparison.Ordinal) && m.Contains("checksum", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_CursorLeftBehindByCrashOnEmptySpool_NewRecordsSurviveNextRestart()
    {
        byte[] cursor;
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            for (var i = 0; i < 3; i++)
            {
                spool.TryAppend(Payload(i), 1);
            }

            Drain(spool);
            cursor = File.ReadAllBytes(Path.Combine(_dir, "cursor"));
        }

        // A crash instead of a clean dispose leaves the cursor of the emptied spool, and no segment.
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "cursor"), cursor);
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            spool.TryAppend(Payload(7), 1);
        }

        using var reopened = DiskSpool.Open(_dir, _logger);
        Assert.Equal([(Text(7), 1)], Drain(reopened));
    }

    [Fact]
    public void Open_GarbageSegment_StartsEmptyWithoutThrowing()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "000000000007.seg"), Encoding.UTF8.GetBytes("not a spool segment at all, just text"));

        using var spool = DiskSpool.Open(_dir, _logger);
        Assert.True(spool.IsEmpty);
        Assert.True(spool.TryAppend(Payload(1), 1));
        Assert.Equal([(Text(1), 1)], Drain(spool));
    }

    [Fact]
    public void TryAppend_PastMaxBytes_RefusesAndReportsFullUntilSpaceFreed()
    {
        var recordSize = DiskSpool.HeaderSize + Payload(0).Length;
        using var spool = DiskSpool.Open(_dir, _logger, maxBytes: 3 * recordSize, segmentBytes: recordSize);
        Assert.True(spool.TryAppend(Payload(0), 1));
        Assert.True(spool.TryAppend(Payload(1), 1));
        Assert.True(spool.TryAppend(Payload(2), 1));
        Assert.False(spool.TryAppend(Payload(3), 1));
        Assert.True(spool.IsFull);
        Assert.Equal(3, spool.Records);

        spool.RemoveHead();

        Assert.False(spool.IsFull);
        Assert.True(spool.TryAppend(Payload(3), 1));
        Assert.Equal([(Text(1), 1), (Text(2), 1), (Text(3), 1)], Drain(spool));
    }

    [Fact]
    public void RemoveHead_LastRecordOfSegment_DeletesSegmentFile()
    {
        var recordSize = DiskSpool.HeaderSize + Payload(0).Length;
        using var spool = DiskSpool.Open(_dir, _logger, segmentBytes: 2 * recordSize);
        for (var i = 0; i < 5; i++)
        {
            spool.TryAppend(Payload(i), 1);
        }

        Assert.Equal(3, Segments().Length);
        Assert.Equal(5 * recordSize, spool.Bytes);

        spool.RemoveHead();
        Assert.Equal(3, Segments().Length);
        spool.RemoveHead();
        Assert.Equal(2, Segments().Length);
        Assert.Equal(3 * recordSize, spool.Bytes);

        Drain(spool);
        Assert.Empty(Segments());
        Assert.Equal(0, spool.Bytes);
    }

    [Fact]
    public void Dispose_EmptySpool_RemovesItsDirectory()
    {
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            spool.TryAppend(Payload(0), 1);
            Drain(spool);
        }

        Assert.False(Directory.Exists(_dir));
    }

    [Fact]
    public void Dispose_NonEmptySpool_KeepsSegmentsForNextOpen()
    {
        using (var spool = DiskSpool.Open(_dir, _logger))
        {
            spool.TryAppend(Payload(0), 1);
        }

        using var reopened = DiskSpool.Open(_dir, _logger);
        Assert.Equal([(Text(0), 1)], Drain(reopened));
    }

    [Fact]
    public void Open_DirectoryInUse_ThrowsNamingDirectory()
    {
        using var spool = DiskSpool.Open(_dir, _logger);

        var ex = Assert.Throws<InvalidOperationException>(() => DiskSpool.Open(_dir, _logger));
        Assert.Contains(_dir, ex.Message, StringComparison.Ordinal);
    }

    private string[] Segments() => Directory.GetFiles(_dir, "*.seg");

    private string SingleSegment() => Assert.Single(Segments());

    private static string Text(int i) => $"cpu,host=h{i} usage={i}.5 {1_700_000_000_000_000_000L + i}\n";

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes(Text(i));

    private static List<(string Text, int Points)> Drain(DiskSpool spool)
    {
        var result = new List<(string, int)>();
        while (spool.TryPeek(out var record))
        {
            using (record)
            {
                result.Add((Encoding.UTF8.GetString(record.Payload.WrittenSpan), record.Points));
            }

            spool.RemoveHead();
        }

        return result;
    }
}

/// <summary>Keeps formatted log messages so tests can check what was reported.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_messages)
        {
            _messages.Add(formatter(state, exception));
        }
    }
}
