using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Lessons;

/// <summary>
/// The nightly window (city time, QUIET_HOURS, default 21:00-08:00) in which no scheduled lesson or tip starts:
/// Chinese rules forbid marketing SMS from 21:00 to 08:00 and nobody wants a lesson at 3 a.m. Pure: no clock.
/// Messages a resident asks for (NEXT, REPEAT, replies) are answers, not schedules, and are not held back.
/// </summary>
/// <remarks>The Broadcasts slice owns quiet hours for broadcasts; this reads the same setting the same way so that
/// the two can be folded into one type.</remarks>
public sealed partial record QuietHours(TimeOnly Start, TimeOnly End)
{
    public static readonly QuietHours Default = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    /// <summary>"21:00-08:00" (HH:mm-HH:mm, 24-hour clock; the window may cross midnight). Null when unreadable, or when
    /// it leaves no whole hour to deliver at.</summary>
    public static QuietHours? Parse(string? text)
    {
        var m = Format().Match(text?.Trim() ?? "");
        if (!m.Success) return null;
        var start = new TimeOnly(Number(m, 1), Number(m, 2));
        var end = new TimeOnly(Number(m, 3), Number(m, 4));
        var quiet = new QuietHours(start, end);
        return start == end || quiet.AllowedHours.Count == 0 ? null : quiet;
    }

    /// <summary>True when <paramref name="local"/> (city time) is inside the window.</summary>
    public bool Contains(TimeOnly local) => Start < End ? local >= Start && local < End : local >= Start || local < End;

    /// <summary>A delivery hour can be chosen when its first minute is outside the window.</summary>
    public bool AllowsHour(int hour) => !Contains(new TimeOnly(hour, 0));

    /// <summary>The hours residents may choose, in order.</summary>
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
            ranges.Add(i == j ? Text(hours[i]) : $"{Text(hours[i])}-{Text(hours[j])}");
            i = j + 1;
        }
        return string.Join(", ", ranges);
    }

    /// <summary>
    /// When the allowed window that contains <paramref name="utcNow"/> closes: the next start of quiet hours, as an
    /// instant. A start that falls in a daylight-saving gap is taken at the first local time after the gap.
    /// </summary>
    public DateTimeOffset WindowEnd(DateTimeOffset utcNow, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(utcNow, zone).DateTime;
        var date = DateOnly.FromDateTime(local);
        if (TimeOnly.FromDateTime(local) >= Start) date = date.AddDays(1);
        return CityTime.ToInstant(date.ToDateTime(Start), zone);
    }

    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";

    private static int Number(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static string Text(int hour) => hour.ToString(CultureInfo.InvariantCulture);

    // HH:mm-HH:mm, as the Broadcasts slice reads the same setting (spaces around the dash allowed).
    [GeneratedRegex(@"^([01][0-9]|2[0-3]):([0-5][0-9])\s*-\s*([01][0-9]|2[0-3]):([0-5][0-9])$")]
    private static partial Regex Format();
}
