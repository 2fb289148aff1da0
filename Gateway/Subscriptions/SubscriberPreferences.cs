using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>A change to a subscriber's own settings that are not consent: the reply language, the hour of lessons and tips.</summary>
public sealed record PreferenceChange(long SubscriberId, string? Language = null, int? DeliveryHour = null);

/// <summary>
/// A subscriber's own settings that are not consent: the language we write in and the local hour of the daily tip
/// and lessons. The SMS keywords (LANG, TIME) and the USSD menu both change them here.
/// </summary>
public sealed class SubscriberPreferences
{
    // Fixed text for either setting or both: a NULL leaves that setting as it is.
    private const string ChangeSql = """
        UPDATE subscribers
           SET language      = coalesce(@PreferenceLanguage, language),
               delivery_hour = coalesce(@PreferenceHour, delivery_hour)
         WHERE id = @PreferenceSubscriberId
        """;

    /// <summary>The change as a statement for a caller's command (the inbound pipeline's one round trip).</summary>
    public static SqlStatement Statement(PreferenceChange change)
    {
        if (change.Language is { } language && !Hosting.GatewayOptions.Languages.Contains(language))
            throw new ArgumentException($"unknown language '{language}'", nameof(change));
        if (change.DeliveryHour is < 0 or > 23)
            throw new ArgumentOutOfRangeException(nameof(change), change.DeliveryHour, "an hour is 0-23, in the city's time zone");
        return new(ChangeSql, new
        {
            PreferenceSubscriberId = change.SubscriberId,
            PreferenceLanguage = change.Language,
            PreferenceHour = (short?)change.DeliveryHour,
        });
    }

    public Task ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, PreferenceChange change, CancellationToken ct) =>
        conn.ExecuteAsync(SqlStatement.Command([Statement(change)], tx, ct));
}
