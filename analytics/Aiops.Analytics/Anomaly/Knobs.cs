namespace Aiops.Analytics.Anomaly;

// TEMPORARY experiment knobs (removed before the final commit).
internal static class Knobs
{
    public static double Get(string name, double fallback)
    {
        string? s = Environment.GetEnvironmentVariable("ART_" + name);
        return s is null ? fallback : double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
