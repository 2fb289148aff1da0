namespace Gateway.Dashboard;

/// <summary>
/// What the dashboard is made of, as rows both sources return in the same shape: the tallies
/// (<see cref="TalliedDashboardSource"/>, the page's) and the raw tables (<see cref="RawTableDashboardSource"/>, the reference
/// the tallies must equal). <see cref="DashboardFigures.From"/> turns either into the page's figures.
/// </summary>
public sealed record DashboardRows(
    IReadOnlyList<OutboundDayRow> Outbound,
    IReadOnlyList<QueueRow> Queue,
    IReadOnlyList<SubscriberRow> Subscribers,
    IReadOnlyList<TopicRow> Topics,
    IReadOnlyList<ResidentDayRow> Residents,
    IReadOnlyList<SupportRow> Support);

/// <summary>Outbound messages whose last attempt (hand-off, or last status change) fell on a city day.</summary>
public sealed record OutboundDayRow(DateOnly Day, string Status, bool HandedOver, long Messages);

public sealed record QueueRow(short Priority, string Status, long Messages);

public sealed record SubscriberRow(string Status, string Language, string? Region, long Subscribers);

public sealed record TopicRow(string Topic, string Status, long Subscribers);

/// <summary>Residents who first wrote or dialled in on a city day, and those (still) opted out who did so that day.</summary>
public sealed record ResidentDayRow(DateOnly Day, long Joined, long OptedOut);

public sealed record SupportRow(string Priority, long Waiting);

/// <summary>The city days a dashboard covers: [From, To) as instants, and the zone that turns instants into days.</summary>
public sealed record DashboardPeriod(DateOnly FirstDay, DateOnly LastDay, DateTimeOffset From, DateTimeOffset To, string Zone)
{
    public const int Days = 14;

    /// <summary>The last <see cref="Days"/> city days, today included.</summary>
    public static DashboardPeriod Ending(DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = Lessons.CityTime.Date(now, zone);
        var first = today.AddDays(-(Days - 1));
        return new DashboardPeriod(first, today,
            Lessons.CityTime.ToInstant(first.ToDateTime(TimeOnly.MinValue), zone),
            Lessons.CityTime.ToInstant(today.AddDays(1).ToDateTime(TimeOnly.MinValue), zone),
            zone.Id);
    }
}

/// <summary>Where the dashboard's rows come from.</summary>
public interface IDashboardSource
{
    Task<DashboardRows> ReadAsync(DashboardPeriod period, CancellationToken ct);
}
