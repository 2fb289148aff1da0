using Gateway.Broadcasts;

namespace Gateway.Tests.Broadcasts;

/// <summary>The pure quiet-hours rule, in the city's zone and in a zone with daylight saving time.</summary>
public sealed class QuietHoursTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    public sealed record Case(string Label, string Window, TimeZoneInfo Zone, DateTimeOffset At, DateTimeOffset Expected)
    {
        public override string ToString() => Label;
    }

    private static DateTimeOffset Local(int month, int day, int hour, int minute, int offsetHours) =>
        new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(offsetHours));

    public static TheoryData<Case> Cases => new()
    {
        new("09:00 is allowed", "21:00-08:00", Shanghai, Local(3, 2, 9, 0, 8), Local(3, 2, 9, 0, 8)),
        new("20:59 is allowed", "21:00-08:00", Shanghai, Local(3, 2, 20, 59, 8), Local(3, 2, 20, 59, 8)),
        new("21:00 waits until 08:00 tomorrow", "21:00-08:00", Shanghai, Local(3, 2, 21, 0, 8), Local(3, 3, 8, 0, 8)),
        new("22:30 waits until 08:00 tomorrow", "21:00-08:00", Shanghai, Local(3, 2, 22, 30, 8), Local(3, 3, 8, 0, 8)),
        new("03:00 waits until 08:00 the same day", "21:00-08:00", Shanghai, Local(3, 3, 3, 0, 8), Local(3, 3, 8, 0, 8)),
        new("08:00 is allowed", "21:00-08:00", Shanghai, Local(3, 3, 8, 0, 8), Local(3, 3, 8, 0, 8)),
        new("an instant given in UTC is judged on the city's clock", "21:00-08:00", Shanghai,
            new DateTimeOffset(2026, 3, 2, 14, 30, 0, TimeSpan.Zero), Local(3, 3, 8, 0, 8)),
        new("a window within one day", "12:00-14:00", Shanghai, Local(3, 2, 13, 0, 8), Local(3, 2, 14, 0, 8)),
        new("after a window within one day", "12:00-14:00", Shanghai, Local(3, 2, 14, 0, 8), Local(3, 2, 14, 0, 8)),
        new("New York, the night clocks spring forward: 08:00 EDT", "21:00-08:00", NewYork, Local(3, 7, 23, 0, -5), Local(3, 8, 8, 0, -4)),
        new("New York, the night clocks fall back: 08:00 EST", "21:00-08:00", NewYork, Local(10, 31, 23, 0, -4), Local(11, 1, 8, 0, -5)),
        new("a window ending in the skipped hour ends when the clocks have jumped", "21:00-02:30", NewYork, Local(3, 7, 23, 0, -5), Local(3, 8, 3, 0, -4)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void NextAllowed(Case c)
    {
        Assert.True(QuietHours.TryParseWindow(c.Window, out var start, out var end, out _));
        var quiet = new QuietHours(start, end, c.Zone);

        var next = quiet.NextAllowed(c.At);

        Assert.Equal(c.Expected, next);
        Assert.False(quiet.IsQuiet(next));
        Assert.Equal(next != c.At, quiet.IsQuiet(c.At));
    }

    [Theory]
    [InlineData("21:00-08:00", true)]
    [InlineData(" 22:30 - 07:15 ", true)]
    [InlineData("21:00", false)]
    [InlineData("9pm-8am", false)]
    [InlineData("25:00-08:00", false)]
    [InlineData("08:00-08:00", false)]
    [InlineData("", false)]
    public void Window_IsRead(string value, bool valid) => Assert.Equal(valid, QuietHours.TryParseWindow(value, out _, out _, out _));
}
