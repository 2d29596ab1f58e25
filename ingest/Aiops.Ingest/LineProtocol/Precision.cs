namespace Aiops.Ingest.LineProtocol;

/// <summary>Unit of the timestamps in a line-protocol body (the <c>precision</c> query parameter). Default: nanoseconds.</summary>
public enum Precision : byte
{
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
}

/// <summary>Maps the InfluxDB <c>precision</c> query values to <see cref="Precision"/>.</summary>
public static class PrecisionNames
{
    /// <summary>
    /// Parses a precision name: <c>null</c>, empty, <c>ns</c> or <c>n</c> give nanoseconds (the InfluxDB default);
    /// <c>us</c>/<c>u</c> microseconds; <c>ms</c> milliseconds; <c>s</c> seconds. Anything else returns <c>false</c>.
    /// </summary>
    public static bool TryParse(string? value, out Precision precision)
    {
        switch (value)
        {
            case null or "" or "ns" or "n":
                precision = Precision.Nanoseconds;
                return true;
            case "us" or "u":
                precision = Precision.Microseconds;
                return true;
            case "ms":
                precision = Precision.Milliseconds;
                return true;
            case "s":
                precision = Precision.Seconds;
                return true;
            default:
                precision = Precision.Nanoseconds;
                return false;
        }
    }

    /// <summary>Nanoseconds per unit of <paramref name="precision"/> (1, 1e3, 1e6 or 1e9).</summary>
    public static long NanosecondsPerUnit(Precision precision) => precision switch
    {
        Precision.Microseconds => 1_000L,
        Precision.Milliseconds => 1_000_000L,
        Precision.Seconds => 1_000_000_000L,
        _ => 1L,
    };

    /// <summary>
    /// Converts a timestamp in <paramref name="precision"/> units to nanoseconds; <c>false</c> when the result
    /// does not fit a signed 64-bit nanosecond count (roughly years 1677..2262).
    /// </summary>
    public static bool TryToNanoseconds(long value, Precision precision, out long nanoseconds)
    {
        long factor = NanosecondsPerUnit(precision);
        if (factor == 1)
        {
            nanoseconds = value;
            return true;
        }

        // Division-based bounds avoid an overflow exception on the hot path.
        if (value > long.MaxValue / factor || value < long.MinValue / factor)
        {
            nanoseconds = 0;
            return false;
        }

        nanoseconds = value * factor;
        return true;
    }
}
