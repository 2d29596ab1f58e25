namespace Aiops.Abstractions;

/// <summary>Event times are Unix nanoseconds everywhere (line protocol's unit); these are the only conversions.</summary>
public static class UnixNanos
{
    /// <summary>The instant of <paramref name="ns"/> Unix nanoseconds (to the 100 ns tick).</summary>
    public static DateTimeOffset ToTime(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);

    /// <summary>Unix nanoseconds of <paramref name="time"/>.</summary>
    public static long Of(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
