namespace Aiops.LoadGen;

/// <summary>
/// The scripted faults of the demo fleet, as functions of event time relative to the replay window
/// (<c>[replayStart, replayEnd)</c>; with no replay both are "now" and the faults start live).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="LeakHost"/> (sim-007) leaks memory linearly from the start of the window so that it sits at
/// <see cref="LeakLevelAtEnd"/> % when the replay ends and reaches 95 % <see cref="LeakHoursToThreshold"/> h later:
/// the threshold predictor (6 h of history) has an open prediction, not a crossing.</item>
/// <item><see cref="DegradedHosts"/> (sim-003..sim-006 and sim-008, all behind sw-a in <c>scripts/demo-cmdb.json</c>)
/// shift cpu up by <see cref="CpuShift"/> points and memory by <see cref="MemShift"/> points from
/// <see cref="DegradeMinutesBeforeEnd"/> minutes before the replay ends (after the 300-point probation of 1-minute
/// samples), staggered by a minute per host, and stay degraded.</item>
/// </list>
/// </remarks>
public sealed class DemoScript(long replayStartNs, long replayEndNs)
{
    public const string LeakHost = "sim-007";

    public const double LeakLevelAtEnd = 85;

    public const double LeakHoursToThreshold = 4;

    public static readonly string[] DegradedHosts = ["sim-003", "sim-004", "sim-005", "sim-006", "sim-008"];

    public const int DegradeMinutesBeforeEnd = 20;

    public const double CpuShift = 45;

    public const double MemShift = 18;

    private const long HourNs = 3_600_000_000_000L;

    private const long MinuteNs = 60_000_000_000L;

    /// <summary>Daily shape in [-1, 1]: busiest mid-afternoon UTC, shifted a little per host.</summary>
    public double Daily(long timeNs, int hostIndex)
    {
        var hourOfDay = timeNs % (24 * HourNs) / (double)HourNs;
        return Math.Sin(2 * Math.PI * (hourOfDay - 9 - hostIndex % 3) / 24);
    }

    /// <summary>Memory offset of the script for <paramref name="host"/> at <paramref name="timeNs"/>, on top of its normal level.</summary>
    public double MemoryOffset(string host, double baseLevel, long timeNs)
    {
        if (host == LeakHost)
        {
            // Linear from the base level at the window start, through LeakLevelAtEnd at its end, to 95 % LeakHoursToThreshold later.
            var slopePerHour = (95 - LeakLevelAtEnd) / LeakHoursToThreshold;
            var startLevel = Math.Min(baseLevel, LeakLevelAtEnd - slopePerHour * (replayEndNs - replayStartNs) / HourNs);
            var level = LeakLevelAtEnd - slopePerHour * (replayEndNs - timeNs) / HourNs;
            return Math.Max(level, startLevel) - baseLevel;
        }

        return Degraded(host, timeNs) ? MemShift : 0;
    }

    /// <summary>CPU offset of the script for <paramref name="host"/> at <paramref name="timeNs"/>.</summary>
    public double CpuOffset(string host, long timeNs) => Degraded(host, timeNs) ? CpuShift : 0;

    private bool Degraded(string host, long timeNs)
    {
        var position = Array.IndexOf(DegradedHosts, host);
        return position >= 0 && timeNs >= replayEndNs - (DegradeMinutesBeforeEnd - position) * MinuteNs;
    }
}
