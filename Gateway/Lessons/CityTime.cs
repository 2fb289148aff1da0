namespace Gateway.Lessons;

/// <summary>City-local times and dates for the planner: the one place that turns a wall-clock time into an instant.</summary>
public static class CityTime
{
    /// <summary>The city date of an instant.</summary>
    public static DateOnly Date(DateTimeOffset utc, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(utc, zone).DateTime);

    /// <summary>
    /// The instant (UTC) of a city wall-clock time. A time skipped by a daylight-saving change (02:30 on the spring-forward
    /// day) is moved forward by the gap; a time that happens twice (the fall-back hour) is its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // Only a whole gap (normally one hour) is skipped: the instant just after it.
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local, before).ToUniversalTime();
        }
        if (zone.IsAmbiguousTime(local))
            return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max()).ToUniversalTime();
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
