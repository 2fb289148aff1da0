using Dapper;
using Gateway.Phones;
using Hangfire;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// A recurring job for messages stored but never handled: the web process died between storing a message and
/// handling it, or handling failed. Twilio does not retry a webhook by default, so without this an opt-out in such a
/// message would never take effect. They are handled as the webhook would have, under locks; their reply is recorded
/// with them but not sent (the webhook's answer is gone; the message also shows in the inbox until then).
/// </summary>
public sealed class FinishUnhandledMessages(NpgsqlDataSource db, InboundRouter router, TimeProvider clock, ILogger<FinishUnhandledMessages> log)
{
    public const string JobId = "inbound:finish-unhandled";

    /// <summary>Older than any webhook still being handled (requests time out long before).</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(2);

    /// <summary>How far back to look: the job runs every minute, and older messages stay in the inbox for officials.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(6);

    private const int Batch = 500;

    // Walks the received_at index over the window only: no index covers handled_at (that would end HOT updates).
    private const string SelectSql = """
        SELECT id, provider, provider_message_id, from_phone, to_phone, body
          FROM inbound_messages
         WHERE received_at >= @From AND received_at < @Until AND handled_at IS NULL
         ORDER BY received_at, id
         LIMIT @Batch
        """;

    private sealed record Unhandled(long Id, string Provider, string ProviderMessageId, string FromPhone, string? ToPhone, string Body);

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]   // it runs again in a minute anyway
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var messages = await conn.QueryAsync<Unhandled>(new CommandDefinition(SelectSql,
            new { From = now - Window, Until = now - MinimumAge, Batch }, cancellationToken: ct));
        foreach (var m in messages)
        {
            var sms = new InboundSms(m.Provider, m.ProviderMessageId, m.FromPhone, m.ToPhone, m.Body);
            var result = await router.RouteAsync(conn, m.Id, sms, router.Read(sms), sender: null, ct);
            if (!result.Duplicate)
                log.LogWarning("Inbound {Id} from {From} was stored but not handled; handled now, reply not sent", m.Id, Phone.Mask(m.FromPhone));
        }
    }
}
