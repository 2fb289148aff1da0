using Gateway.Broadcasts;
using Gateway.Hosting;
using Gateway.Lessons;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Lessons;

/// <summary>Quiet hours and the daily timetable as pure functions: parsing, the allowed hours, and city time across DST.</summary>
public sealed class QuietHoursTests
{
    /// <summary>QUIET_HOURS as the gateway reads it, in <paramref name="zone"/>; null when the setting would be refused.</summary>
    internal static QuietHours? Parse(string text, string zone = "Asia/Shanghai") =>
        QuietHours.TryParseWindow(text, out var start, out var end, out _) ? new QuietHours(start, end, TimeZoneInfo.FindSystemTimeZoneById(zone)) : null;

    /// <summary>The default, 21:00-08:00 in Asia/Shanghai.</summary>
    internal static QuietHours Default => Parse("21:00-08:00")!;

    public sealed record ParseCase(string Label, string Text, string? Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<ParseCase> Texts => new()
    {
        new("the default", "21:00-08:00", "21:00-08:00"),
        new("spaces around the dash", " 21:30 - 07:05 ", "21:30-07:05"),
        new("single-digit hours (HH:mm, as Broadcasts reads it)", "9:30-7:05", null),
        new("a daytime window", "12:00-13:00", "12:00-13:00"),
        new("a window with no whole hour in it", "23:30-00:00", "23:30-00:00"),
        new("empty", "", null),
        new("no end", "21:00", null),
        new("an hour of 24", "24:00-08:00", null),
        new("start equals end", "08:00-08:00", null),
        new("every hour quiet", "00:00-23:59", null),
        new("words", "night", null),
    };

    [Theory, MemberData(nameof(Texts))]
    public void Setting_IsReadOrRefused(ParseCase c) => Assert.Equal(c.Expected, Parse(c.Text)?.ToString());

    public sealed record HourCase(string Label, string Quiet, int Hour, bool Allowed, int ServedAt)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<HourCase> Hours => new()
    {
        new("8:00 is the first allowed hour", "21:00-08:00", 8, true, 8),
        new("20:00 is the last", "21:00-08:00", 20, true, 20),
        new("21:00 starts the quiet", "21:00-08:00", 21, false, 8),
        new("7:00 is quiet, served when it ends", "21:00-08:00", 7, false, 8),
        new("midnight is quiet", "21:00-08:00", 0, false, 8),
        new("a window ending at half past: served at the next whole hour", "22:00-07:30", 7, false, 8),
        new("a window starting at half past: its hour is still allowed", "21:30-08:00", 21, true, 21),
        new("a daytime window", "12:00-13:00", 12, false, 13),
        new("outside a daytime window", "12:00-13:00", 2, true, 2),
    };

    [Theory, MemberData(nameof(Hours))]
    public void AllowedHours_AndWhenAQuietHourIsServed(HourCase c)
    {
        var quiet = Parse(c.Quiet)!;
        Assert.Equal(c.Allowed, quiet.AllowsHour(c.Hour));
        Assert.Equal(c.ServedAt, quiet.ServedAt(c.Hour));
    }

    [Fact]
    public void Describe_WritesTheAllowedHoursAsRanges()
    {
        Assert.Equal("8-20", Default.Describe());
        Assert.Equal("0-11, 13-23", Parse("12:00-13:00")!.Describe());
        Assert.Equal("0-21", Parse("22:00-00:00")!.Describe());
    }

    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public sealed record InstantCase(string Label, string Zone, DateTime Local, string ExpectedUtc)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<InstantCase> Instants => new()
    {
        new("an ordinary Shanghai time", "Asia/Shanghai", new DateTime(2026, 3, 2, 8, 0, 0), "2026-03-02T00:00:00Z"),
        new("New York in winter", "America/New_York", new DateTime(2026, 3, 7, 8, 0, 0), "2026-03-07T13:00:00Z"),
        new("New York in summer", "America/New_York", new DateTime(2026, 3, 9, 8, 0, 0), "2026-03-09T12:00:00Z"),
        new("02:30 on the spring-forward day does not exist: 03:30 EDT", "America/New_York", new DateTime(2026, 3, 8, 2, 30, 0), "2026-03-08T07:30:00Z"),
        new("01:30 on the fall-back day happens twice: the first (EDT)", "America/New_York", new DateTime(2026, 11, 1, 1, 30, 0), "2026-11-01T05:30:00Z"),
    };

    [Theory, MemberData(nameof(Instants))]
    public void CityTime_ToInstant(InstantCase c) =>
        Assert.Equal(DateTimeOffset.Parse(c.ExpectedUtc), CityTime.ToInstant(c.Local, TimeZoneInfo.FindSystemTimeZoneById(c.Zone)));

    [Fact]
    public void WindowEnd_IsTheNextStartOfQuietHours_InCityTime()
    {
        // 09:00 in Shanghai: the window closes at 21:00 the same day.
        Assert.Equal(DateTimeOffset.Parse("2026-03-02T13:00:00Z"), Default.WindowEnd(DateTimeOffset.Parse("2026-03-02T01:00:00Z")));
        // New York, the day after spring forward: 21:00 EDT.
        Assert.Equal(DateTimeOffset.Parse("2026-03-09T01:00:00Z"), Parse("21:00-08:00", "America/New_York")!.WindowEnd(DateTimeOffset.Parse("2026-03-08T13:00:00Z")));
        // After the start (22:00): tomorrow's.
        Assert.Equal(DateTimeOffset.Parse("2026-03-03T13:00:00Z"), Default.WindowEnd(DateTimeOffset.Parse("2026-03-02T14:00:00Z")));
    }

    public sealed record DueCase(string Label, string Zone, string Quiet, string Utc, short[] Due)
    {
        public override string ToString() => Label;
    }

    private static short[] Upto(int last) => Enumerable.Range(0, last + 1).Select(h => (short)h).ToArray();

    public static TheoryData<DueCase> DueHours => new()
    {
        // Hours inside quiet hours (kept from before a change) are served when quiet hours end: 21-23 at 8 here,
        // 22-23 at midnight in the New York cases.
        new("07:59 Shanghai: quiet, nobody", "Asia/Shanghai", "21:00-08:00", "2026-03-01T23:59:00Z", []),
        new("08:00 Shanghai: hour 8 and every quiet hour", "Asia/Shanghai", "21:00-08:00", "2026-03-02T00:00:00Z", [.. Upto(8), 21, 22, 23]),
        new("13:10 Shanghai: up to 13", "Asia/Shanghai", "21:00-08:00", "2026-03-02T05:10:00Z", [.. Upto(13), 21, 22, 23]),
        new("20:59 Shanghai: up to 20", "Asia/Shanghai", "21:00-08:00", "2026-03-02T12:59:00Z", Upto(23)),
        new("22:30 Shanghai: quiet, nobody (no tip at 22:30)", "Asia/Shanghai", "21:00-08:00", "2026-03-02T14:30:00Z", []),
        new("spring forward, 01:55 EST: hour 2 not yet", "America/New_York", "22:00-00:00", "2026-03-08T06:55:00Z", [.. Upto(1), 22, 23]),
        new("spring forward, 03:00 EDT (02:00 never came): hour 2 due", "America/New_York", "22:00-00:00", "2026-03-08T07:00:00Z", [.. Upto(3), 22, 23]),
        new("fall back, first 01:00 (EDT)", "America/New_York", "22:00-00:00", "2026-11-01T05:00:00Z", [.. Upto(1), 22, 23]),
        new("fall back, second 01:00 (EST): the same hours (once a day is the date's job)", "America/New_York", "22:00-00:00", "2026-11-01T06:00:00Z", [.. Upto(1), 22, 23]),
    };

    [Theory, MemberData(nameof(DueHours))]
    public void DailySchedule_DueHours(DueCase c)
    {
        var schedule = new DailySchedule(Parse(c.Quiet, c.Zone)!, Options.Create(new GatewayOptions { TimeZone = c.Zone }));
        Assert.Equal(c.Due.Order(), schedule.DueHours(DateTimeOffset.Parse(c.Utc)).Order());
    }

    public sealed record NextSendCase(string Label, string Utc, int Hour, FirstSend When, int At)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<NextSendCase> NextSends => new()
    {
        new("09:00, hour 8: within minutes", "2026-03-02T01:00:00Z", 8, FirstSend.Soon, 8),
        new("09:00, hour 19: today at 19", "2026-03-02T01:00:00Z", 19, FirstSend.Today, 19),
        new("06:00 (quiet), hour 8: today at 8", "2026-03-01T22:00:00Z", 8, FirstSend.Today, 8),
        new("22:00 (quiet), hour 8: tomorrow at 8", "2026-03-02T14:00:00Z", 8, FirstSend.Tomorrow, 8),
        new("a night hour kept from before: served at 8", "2026-03-01T22:00:00Z", 23, FirstSend.Today, 8),
    };

    [Theory, MemberData(nameof(NextSends))]
    public void DailySchedule_NextSend(NextSendCase c)
    {
        var schedule = new DailySchedule(Default, Options.Create(new GatewayOptions()));
        Assert.Equal((c.When, c.At), schedule.NextSend(DateTimeOffset.Parse(c.Utc), c.Hour));
    }
}
