using Gateway.Delivery;

namespace Gateway.Dashboard;

/// <summary>One city day of the dashboard. Sent: handed to the provider that day (by the last hand-off); delivered and
/// failed: of those, and hand-offs refused that day (failed, undelivered).</summary>
public sealed record DayFigures(DateOnly Day, long Sent, long Delivered, long Failed, long NewSubscribers, long OptOuts);

/// <summary>A count per key (a status, language, region or topic) for active and opted-out residents.</summary>
public sealed record ResidentCount(string Key, long Active, long OptedOut);

/// <summary>Outbound messages waiting at one priority: queued (due or not), being handed over, in doubt.</summary>
public sealed record QueueFigures(MessagePriority Priority, long Queued, long Sending, long Ambiguous);

/// <summary>Everything the dashboard shows, whichever source its rows came from.</summary>
public sealed record DashboardFigures(
    DashboardPeriod Period,
    IReadOnlyList<DayFigures> Days,
    long Active,
    long OptedOut,
    IReadOnlyList<ResidentCount> ByLanguage,
    IReadOnlyList<ResidentCount> ByRegion,
    IReadOnlyList<ResidentCount> ByTopic,
    IReadOnlyList<QueueFigures> Queue,
    long SupportHigh,
    long SupportNormal)
{
    public const string NoRegion = "";

    public long Sent => Days.Sum(d => d.Sent);
    public long Delivered => Days.Sum(d => d.Delivered);
    public long Failed => Days.Sum(d => d.Failed);

    public static DashboardFigures From(DashboardRows rows, DashboardPeriod period)
    {
        var days = new List<DayFigures>();
        for (var day = period.FirstDay; day <= period.LastDay; day = day.AddDays(1))
        {
            var outbound = rows.Outbound.Where(r => r.Day == day).ToList();
            var residents = rows.Residents.Where(r => r.Day == day).ToList();
            days.Add(new DayFigures(day,
                // Handed over and not back in the queue or being handed over again (a resend waits with its old hand-off).
                Sent: outbound.Where(r => r.HandedOver && r.Status is not (OutboundStatus.Queued or OutboundStatus.Sending)).Sum(r => r.Messages),
                Delivered: outbound.Where(r => r.Status == OutboundStatus.Delivered).Sum(r => r.Messages),
                Failed: outbound.Where(r => r.Status is OutboundStatus.Failed or OutboundStatus.Undelivered).Sum(r => r.Messages),
                NewSubscribers: residents.Sum(r => r.Joined),
                OptOuts: residents.Sum(r => r.OptedOut)));
        }

        static List<ResidentCount> By(IEnumerable<(string Key, string Status, long Count)> counts) => counts
            .GroupBy(c => c.Key)
            .Select(g => new ResidentCount(g.Key, g.Where(c => c.Status == "active").Sum(c => c.Count), g.Where(c => c.Status == "opted_out").Sum(c => c.Count)))
            .OrderByDescending(c => c.Active).ThenBy(c => c.Key, StringComparer.Ordinal)
            .ToList();

        var queue = Enum.GetValues<MessagePriority>().Select(p => new QueueFigures(p,
            rows.Queue.Where(r => r.Priority == (short)p && r.Status == OutboundStatus.Queued).Sum(r => r.Messages),
            rows.Queue.Where(r => r.Priority == (short)p && r.Status == OutboundStatus.Sending).Sum(r => r.Messages),
            rows.Queue.Where(r => r.Priority == (short)p && r.Status == OutboundStatus.Ambiguous).Sum(r => r.Messages))).ToList();

        return new DashboardFigures(period, days,
            Active: rows.Subscribers.Where(r => r.Status == "active").Sum(r => r.Subscribers),
            OptedOut: rows.Subscribers.Where(r => r.Status == "opted_out").Sum(r => r.Subscribers),
            ByLanguage: By(rows.Subscribers.Select(r => (r.Language, r.Status, r.Subscribers))),
            ByRegion: By(rows.Subscribers.Select(r => (r.Region ?? NoRegion, r.Status, r.Subscribers))),
            ByTopic: By(rows.Topics.Select(r => (r.Topic, r.Status, r.Subscribers))),
            Queue: queue,
            SupportHigh: rows.Support.Where(r => r.Priority == "high").Sum(r => r.Waiting),
            SupportNormal: rows.Support.Where(r => r.Priority == "normal").Sum(r => r.Waiting));
    }
}
