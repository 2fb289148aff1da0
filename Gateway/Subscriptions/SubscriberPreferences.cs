using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>
/// A subscriber's own settings that are not consent: the language we write in and the local hour of the daily tip and lessons.
/// Used by the USSD menu; the SMS keywords for language and time should call the same methods.
/// </summary>
public sealed class SubscriberPreferences
{
    private const string SetLanguageSql = "UPDATE subscribers SET language = @Language WHERE id = @SubscriberId";

    public async Task SetLanguageAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, string language, CancellationToken ct)
    {
        if (!Hosting.GatewayOptions.Languages.Contains(language)) throw new ArgumentException($"unknown language '{language}'", nameof(language));
        await conn.ExecuteAsync(new CommandDefinition(SetLanguageSql, new { SubscriberId = subscriberId, Language = language }, tx, cancellationToken: ct));
    }

    private const string SetDeliveryHourSql = "UPDATE subscribers SET delivery_hour = @Hour WHERE id = @SubscriberId";

    /// <param name="hour">0-23, in the city's time zone (TIME_ZONE).</param>
    public async Task SetDeliveryHourAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long subscriberId, int hour, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hour);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hour, 23);
        await conn.ExecuteAsync(new CommandDefinition(SetDeliveryHourSql, new { SubscriberId = subscriberId, Hour = (short)hour }, tx, cancellationToken: ct));
    }

    /// <summary>The statement of <see cref="SetDeliveryHourAsync"/>, for one batch (the inbound webhook's TIME 19).</summary>
    public static NpgsqlBatchCommand SetDeliveryHourCommand(long subscriberId, int hour)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hour);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hour, 23);
        return Batch.Command(SetDeliveryHourSql, new { SubscriberId = subscriberId, Hour = (short)hour });
    }
}
