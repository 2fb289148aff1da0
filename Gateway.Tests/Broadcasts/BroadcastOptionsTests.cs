using Gateway.Broadcasts;

namespace Gateway.Tests.Broadcasts;

/// <summary>QUIET_HOURS and BULK_MESSAGES_PER_DAY: a bad value is refused with a message naming the setting.</summary>
public sealed class BroadcastOptionsTests
{
    public sealed record Case(string Label, string QuietHours, int PerDay, string? Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("the defaults", "21:00-08:00", 3, null),
        new("a window within one day", "12:00-14:00", 10, null),
        new("not a window", "9pm to 8am", 3, "QUIET_HOURS: '9pm to 8am' must be a local time window HH:mm-HH:mm"),
        new("an empty window", "08:00-08:00", 3, "QUIET_HOURS: '08:00-08:00' must not start and end at the same time"),
        new("no bulk messages at all", "21:00-08:00", 0, "BULK_MESSAGES_PER_DAY: 0 must be between 1 and 50"),
        new("absurdly many", "21:00-08:00", 500, "BULK_MESSAGES_PER_DAY: 500 must be between 1 and 50"),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Validate(Case c)
    {
        var result = new BroadcastOptionsValidator().Validate(null, new BroadcastOptions { QuietHours = c.QuietHours, BulkMessagesPerDay = c.PerDay });

        Assert.Equal(c.Expected is null, result.Succeeded);
        if (c.Expected is not null) Assert.StartsWith(c.Expected, result.FailureMessage);
    }
}
