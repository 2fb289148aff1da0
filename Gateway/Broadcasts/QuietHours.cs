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

    private bool IsQuietAt(TimeOnly time) => Start < End
        ? time >= Start && time < End
        : time >= Start || time < End;

    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm} {Zone.Id}";

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
        reason = "";
        return true;
    }

    private static (TimeOnly Start, TimeOnly End) Window(string value) =>
        TryParseWindow(value, out var start, out var end, out var reason) ? (start, end) : throw new FormatException($"QUIET_HOURS: {reason}");
}
