using System.Globalization;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>
/// The local hours (QUIET_HOURS in TIME_ZONE, default 21:00-08:00) when no bulk message may arrive: Chinese
/// carriers treat marketing-like SMS between 21:00 and 08:00 as a violation (field.md §3.4). Crisis messages,
/// replies and urgent broadcasts are not subject to it. Pure: the time is always passed in.
/// <para>
/// For every producer of bulk messages (broadcasts, daily tips, scheduled lessons): queue a message with
/// <c>NotBefore = quietHours.NextAllowed(due)</c>. The window is [start, end) on the city's wall clock.
/// Scheduled lessons and tips (Lessons/DailySchedule) use the hour-based members: delivery hours residents may
/// choose, and when an hour inside the window is served instead.
/// </para>
/// </summary>
public sealed class QuietHours
{
    public TimeOnly Start { get; }
    public TimeOnly End { get; }
    public TimeZoneInfo Zone { get; }

    public QuietHours(TimeOnly start, TimeOnly end, TimeZoneInfo zone)
    {
        if (start == end) throw new ArgumentException("quiet hours must not start and end at the same time", nameof(end));
        (Start, End, Zone) = (start, end, zone);
    }

    /// <summary>From the settings: QUIET_HOURS in TIME_ZONE.</summary>
    public QuietHours(IOptions<BroadcastOptions> options, IOptions<GatewayOptions> gateway)
        : this(Window(options.Value.QuietHours).Start, Window(options.Value.QuietHours).End, gateway.Value.CityTimeZone) { }

    /// <summary>True when <paramref name="at"/> falls inside quiet hours on the city's clock.</summary>
    public bool IsQuiet(DateTimeOffset at) => IsQuietAt(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime));

    /// <summary>
    /// The earliest time at or after <paramref name="at"/> outside quiet hours: <paramref name="at"/> itself when it is
    /// allowed, otherwise the end of the window (on a day whose end time does not exist because clocks jump forward,
    /// the first minute after the jump).
    /// </summary>
    public DateTimeOffset NextAllowed(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (!IsQuietAt(time)) return at.ToUniversalTime();
        // Crossing midnight (21:00-08:00): after the start, the window ends tomorrow.
        var endDate = Start > End && time >= Start ? DateOnly.FromDateTime(local).AddDays(1) : DateOnly.FromDateTime(local);
        var end = endDate.ToDateTime(End);
        while (Zone.IsInvalidTime(end)) end = end.AddMinutes(1);
        var offset = Zone.IsAmbiguousTime(end) ? Zone.GetAmbiguousTimeOffsets(end).Max() : Zone.GetUtcOffset(end);
        return new DateTimeOffset(end, offset).ToUniversalTime();
    }

    /// <summary>True when the city wall-clock time <paramref name="time"/> is inside the window.</summary>
    public bool IsQuietAt(TimeOnly time) => IsQuietAt(time, Start, End);

    private static bool IsQuietAt(TimeOnly time, TimeOnly start, TimeOnly end) => start < end
        ? time >= start && time < end
        : time >= start || time < end;

    /// <summary>A delivery hour can be chosen when its first minute is outside the window.</summary>
    public bool AllowsHour(int hour) => !IsQuietAt(new TimeOnly(hour, 0));

    /// <summary>The delivery hours residents may choose, in order.</summary>
    public IReadOnlyList<int> AllowedHours => Enumerable.Range(0, 24).Where(AllowsHour).ToList();

    /// <summary>
    /// The hour a stored delivery hour is served at: itself when allowed; an hour inside the window (kept from before
    /// QUIET_HOURS changed) is served at the first whole hour after the window, on the same city date.
    /// </summary>
    public int ServedAt(int hour) => AllowsHour(hour) ? hour : End.Minute == 0 ? End.Hour : (End.Hour + 1) % 24;

    /// <summary>The allowed hours written as ranges for a reply: "8-20", or "0-11, 13-23".</summary>
    public string Describe()
    {
        var ranges = new List<string>();
        var hours = AllowedHours;
        for (var i = 0; i < hours.Count;)
        {
            var j = i;
            while (j + 1 < hours.Count && hours[j + 1] == hours[j] + 1) j++;
            ranges.Add(i == j ? $"{hours[i]}" : $"{hours[i]}-{hours[j]}");
            i = j + 1;
        }
        return string.Join(", ", ranges);
    }

    /// <summary>
    /// When the allowed window that contains <paramref name="utcNow"/> closes: the next start of quiet hours, as an
    /// instant. A start that falls in a daylight-saving gap is taken at the first local time after the gap.
    /// </summary>
    public DateTimeOffset WindowEnd(DateTimeOffset utcNow)
    {
        var local = TimeZoneInfo.ConvertTime(utcNow, Zone).DateTime;
        var date = DateOnly.FromDateTime(local);
        if (TimeOnly.FromDateTime(local) >= Start) date = date.AddDays(1);
        return Lessons.CityTime.ToInstant(date.ToDateTime(Start), Zone);
    }

    /// <summary>The window as written in QUIET_HOURS, e.g. 21:00-08:00 (city time).</summary>
    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";

    /// <summary>Reads "21:00-08:00". False with a reason (for the settings validator) when it is not a window.</summary>
    public static bool TryParseWindow(string? value, out TimeOnly start, out TimeOnly end, out string reason)
    {
        start = end = default;
        var parts = (value ?? "").Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out end))
        {
            reason = "must be a local time window HH:mm-HH:mm, e.g. 21:00-08:00";
            return false;
        }
        if (start == end)
        {
            reason = "must not start and end at the same time";
            return false;
        }
        var (from, to) = (start, end);
        if (Enumerable.Range(0, 24).All(h => IsQuietAt(new TimeOnly(h, 0), from, to)))
        {
            reason = "must leave at least one whole hour outside it for daily lessons and tips";
            return false;
        }
        reason = "";
        return true;
    }

    private static (TimeOnly Start, TimeOnly End) Window(string value) =>
        TryParseWindow(value, out var start, out var end, out var reason) ? (start, end) : throw new FormatException($"QUIET_HOURS: {reason}");
}
