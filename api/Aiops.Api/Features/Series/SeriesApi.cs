using System.ComponentModel;
using System.Globalization;
using Aiops.Abstractions;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Aiops.Api.Features.Series;

/// <summary>
/// <c>/api/v1/series?entity=&amp;series=&amp;kind=&amp;from=&amp;to=&amp;step=&amp;minScore=</c>: one series of a host or CI
/// from InfluxDB, downsampled for a chart, with its anomaly marks, episodes and forecast band.
/// </summary>
public static class SeriesApi
{
    /// <summary>Most buckets one answer holds (500): a chart is at most ~1,000 px wide, two pixels a point.</summary>
    public const int MaxPoints = 500;

    /// <summary>Longest window (31 days).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    /// <summary>Window when <c>from</c> is not given: 6 hours before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(6);

    // InfluxDB stores signed 64-bit nanoseconds; outside this range the conversion would overflow.
    private static readonly DateTimeOffset MinTime = new(1678, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MaxTime = new(2262, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Longest entity name or series key accepted (1,024 characters).</summary>
    public const int MaxNameLength = 1_024;

    // Steps chosen automatically: the smallest that keeps the window within MaxPoints buckets, so ticks stay round.
    private static readonly long[] NiceSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400];

    public static RouteGroupBuilder MapSeriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/series").WithTags("Series");
        group.MapGet("/", GetSeries)
            .WithName("GetSeries")
            .WithSummary("One series of a host or CI from InfluxDB for a chart: mean per step (at most 500 buckets, window at most 31 days), anomaly marks (aiops_anomaly), anomaly episodes (anomaly log) and the forecast band (aiops_forecast).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static async Task<Results<Ok<SeriesDto>, ProblemHttpResult>> GetSeries(
        ISender sender,
        TimeProvider time,
        CancellationToken ct,
        [Description("Host name or CI id (required).")] string? entity = null,
        [Description("Series key as the hosts page names it: measurement.field, then {tag=value,…} for tags other than host and ci, e.g. mem.used_percent or cpu.usage_active{cpu=cpu-total} (required).")] string? series = null,
        [Description("host (tag host) or ci (tag ci); default: either.")] string? kind = null,
        [Description("Window start (inclusive), ISO-8601 UTC; default: 6 h before 'to'.")] string? from = null,
        [Description("Window end (exclusive), ISO-8601 UTC; default: now.")] string? to = null,
        [Description("Bucket width: seconds, or a number with s, m, h or d (e.g. 300, 5m); at least 1 s and at most 500 buckets in the window; default: the smallest of 1 s, 2 s, 5 s … 1 d that fits.")] string? step = null,
        [Description("Anomaly marks: aiops_anomaly points scoring at least this (0..1); default: the points the detector flagged.")] string? minScore = null)
    {
        // Every bad parameter is named in one answer, so a caller fixes them all at once.
        var errors = new List<string>();
        if (string.IsNullOrEmpty(entity))
        {
            errors.Add("entity is required: a host name or CI id.");
        }
        else
        {
            CheckName("entity", entity, errors);
        }

        SeriesKey? key = null;
        if (series is not null && !CheckName("series", series, errors))
        {
            series = null;
        }
        else if (!SeriesKey.TryParse(series, out key, out var seriesError))
        {
            errors.Add(seriesError);
        }

        kind = string.IsNullOrEmpty(kind) ? null : kind;
        if (kind is not (null or "host" or "ci"))
        {
            errors.Add($"kind must be host or ci, not '{kind}'.");
        }

        var toOk = TryParseTime(to, out var toTime);
        var fromOk = TryParseTime(from, out var fromTime);
        if (!toOk)
        {
            errors.Add($"to must be an ISO-8601 time such as 2026-03-01T00:05:00Z, not '{to}'.");
        }

        if (!fromOk)
        {
            errors.Add($"from must be an ISO-8601 time such as 2026-03-01T00:05:00Z, not '{from}'.");
        }

        var toValue = toTime ?? time.GetUtcNow();
        var fromValue = fromTime ?? toValue - DefaultWindow;
        if (toOk && fromOk)
        {
            if (fromValue < MinTime || toValue > MaxTime)
            {
                errors.Add($"from and to must lie within {MinTime:yyyy-MM-dd} .. {MaxTime:yyyy-MM-dd} (InfluxDB's nanosecond time range).");
            }
            else if (fromValue >= toValue)
            {
                errors.Add($"from ({fromValue:O}) must be before to ({toValue:O}).");
            }
            else if (toValue - fromValue > MaxWindow)
            {
                errors.Add($"the window from {fromValue:O} to {toValue:O} is longer than the maximum of {MaxWindow.TotalDays:0} days.");
            }
        }

        double? score = null;
        if (!string.IsNullOrEmpty(minScore))
        {
            if (double.TryParse(minScore, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is >= 0 and <= 1)
            {
                score = s;
            }
            else
            {
                errors.Add($"minScore must be a number within 0..1, not '{minScore}'.");
            }
        }

        long stepSeconds = 0;
        if (step is not null && !TryParseStep(step, out stepSeconds))
        {
            errors.Add($"step must be a whole number of seconds, or a number with s, m, h or d (e.g. 60, 5m), from 1 s to {MaxWindow.TotalDays:0} days; not '{step}'.");
        }

        if (errors.Count == 0)
        {
            var fromNs = UnixNanos.Of(fromValue);
            var toNs = UnixNanos.Of(toValue);
            if (step is null)
            {
                stepSeconds = ChooseStep(fromNs, toNs);
            }
            else if (Buckets(fromNs, toNs, stepSeconds) > MaxPoints)
            {
                errors.Add($"step {stepSeconds} s gives {Buckets(fromNs, toNs, stepSeconds)} buckets in this window, more than {MaxPoints}: use at least {ChooseStep(fromNs, toNs, exact: true)} s, or omit step.");
            }

            if (errors.Count == 0)
            {
                try
                {
                    return TypedResults.Ok(await sender.Send(new GetSeriesQuery(entity!, kind, key!, fromNs, toNs, stepSeconds, score), ct));
                }
                catch (InfluxUnavailableException ex)
                {
                    return TypedResults.Problem(title: "InfluxDB unavailable", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
                }
                catch (InfluxQueryException ex)
                {
                    return TypedResults.Problem(title: "InfluxDB refused the query", detail: ex.Message, statusCode: StatusCodes.Status502BadGateway);
                }
            }
        }

        return TypedResults.Problem(title: "Invalid series request", detail: string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>Buckets InfluxDB returns for GROUP BY time(step) over [from, to): buckets are aligned to the epoch.</summary>
    internal static long Buckets(long fromNs, long toNs, long stepSeconds)
    {
        var stepNs = stepSeconds * 1_000_000_000L;
        return (Math.Max(fromNs, toNs - 1) / stepNs) - (fromNs / stepNs) + 1;
    }

    /// <summary>The smallest nice step (or, with <paramref name="exact"/>, the smallest whole second) within <see cref="MaxPoints"/> buckets.</summary>
    internal static long ChooseStep(long fromNs, long toNs, bool exact = false)
    {
        if (!exact)
        {
            foreach (var candidate in NiceSteps)
            {
                if (Buckets(fromNs, toNs, candidate) <= MaxPoints)
                {
                    return candidate;
                }
            }
        }

        // Beyond a day per bucket (or asked for the exact minimum): the first whole second that fits.
        var guess = Math.Max(1, (toNs - fromNs) / 1_000_000_000L / (MaxPoints - 1));
        while (Buckets(fromNs, toNs, guess) > MaxPoints)
        {
            guess++;
        }

        while (exact && guess > 1 && Buckets(fromNs, toNs, guess - 1) <= MaxPoints)
        {
            guess--;
        }

        return guess;
    }

    internal static bool TryParseStep(string text, out long seconds)
    {
        seconds = 0;
        if (text.Length == 0)
        {
            return false;
        }

        var unit = char.IsAsciiLetter(text[^1]) ? text[^1] : 's';
        var digits = char.IsAsciiLetter(text[^1]) ? text[..^1] : text;
        var factor = unit switch { 's' => 1L, 'm' => 60L, 'h' => 3_600L, 'd' => 86_400L, _ => 0L };
        if (factor == 0 || digits.Length is 0 or > 9 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        // A step longer than the longest window is never useful, and the bound keeps step × 10⁹ ns within a long.
        seconds = long.Parse(digits, CultureInfo.InvariantCulture) * factor;
        return seconds >= 1 && seconds <= (long)MaxWindow.TotalSeconds;
    }

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed.ToUniversalTime();
        return true;
    }

    /// <summary>Names are quoted in the query, so any text is safe there; control characters are refused as typos.</summary>
    private static bool CheckName(string what, string value, List<string> errors)
    {
        if (value.Length > MaxNameLength)
        {
            errors.Add($"{what} is {value.Length} characters long, more than {MaxNameLength}.");
            return false;
        }

        var bad = value.IndexOfAny([.. Enumerable.Range(0, 32).Select(i => (char)i), '\u007f']);
        if (bad >= 0)
        {
            errors.Add($"{what} holds a control character (U+{(int)value[bad]:X4}) at column {bad + 1}.");
            return false;
        }

        return true;
    }
}
