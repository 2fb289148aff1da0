using Gateway.Broadcasts;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Lessons;

/// <summary>When a learner's first lesson will come, relative to now.</summary>
public enum FirstSend
{
    /// <summary>Their hour has come today and it is not quiet hours: the next planner run (within minutes).</summary>
    Soon,
    /// <summary>Later today, at their hour.</summary>
    Today,
    /// <summary>Tomorrow at their hour (today's window has closed).</summary>
    Tomorrow,
}

/// <summary>
/// The daily timetable of scheduled lessons and tips, in city time (TIME_ZONE): a subscriber's messages are due from
/// their delivery hour on, once per city date, outside quiet hours, until the allowed window closes. All the time-zone
/// and daylight-saving arithmetic is here, on instants the caller passes in (the fake clock in tests).
/// </summary>
public sealed class DailySchedule(QuietHours quiet, IOptions<GatewayOptions> gateway)
{
    /// <summary>QUIET_HOURS, shared with broadcasts: no scheduled lesson or tip starts inside it.</summary>
    public QuietHours Quiet { get; } = quiet;

    public TimeZoneInfo Zone { get; } = gateway.Value.CityTimeZone;

    public DateOnly Today(DateTimeOffset now) => CityTime.Date(now, Zone);

    /// <summary>
    /// The delivery hours whose subscribers are due at <paramref name="now"/>: every hour served at or before the
    /// city's current hour. None inside quiet hours. On a spring-forward day the skipped hour's subscribers are due
    /// from the first hour after the gap; on a fall-back day the repeated hour is due the first time (once a day
    /// is enforced by the date, not the hour).
    /// </summary>
    public short[] DueHours(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        if (Quiet.IsQuietAt(TimeOnly.FromDateTime(local.DateTime))) return [];
        return Enumerable.Range(0, 24).Where(h => Quiet.ServedAt(h) <= local.Hour).Select(h => (short)h).ToArray();
    }

    /// <summary>Scheduled messages queued at <paramref name="now"/> expire when the allowed window closes.</summary>
    public DateTimeOffset WindowEnd(DateTimeOffset now) => Quiet.WindowEnd(now);

    /// <summary>When a subscriber with <paramref name="deliveryHour"/> who has had nothing today gets their next message.</summary>
    public (FirstSend When, int Hour) NextSend(DateTimeOffset now, int deliveryHour)
    {
        var hour = Quiet.ServedAt(deliveryHour);
        if (DueHours(now).Contains((short)deliveryHour)) return (FirstSend.Soon, hour);
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        return (local.Hour < hour ? FirstSend.Today : FirstSend.Tomorrow, hour);
    }
}
