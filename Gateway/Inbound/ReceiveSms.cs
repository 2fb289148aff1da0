using Dapper;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>A message a resident sent, as any provider's webhook hands it over (From already E.164).</summary>
/// <param name="ProviderKeyword">The provider's own reading of a keyword, when it gives one (Twilio's OptOutType:
/// STOP, START or HELP). A hint only: the router's parser decides, and uses it when it understood nothing.</param>
public sealed record InboundSms(string Provider, string ProviderMessageId, string From, string? To, string Body, string? ProviderKeyword = null);

/// <summary>The reply to give inline (TwiML, simulator), or null for none; Duplicate when the provider retried.</summary>
public sealed record InboundResult(string? Reply, bool Duplicate);

/// <summary>
/// The one inbound pipeline every provider feeds: store the message first (so nothing a resident sent is ever
/// lost), then act on it and remember the reply, so that a retried webhook gets the same reply and changes nothing.
/// </summary>
public sealed class ReceiveSms(NpgsqlDataSource db, TimeProvider clock, InboundRouter router, ILogger<ReceiveSms> log)
{
    private const string InsertInboundSql = """
        INSERT INTO inbound_messages (provider, provider_message_id, from_phone, to_phone, body, received_at)
             VALUES (@Provider, @ProviderMessageId, @From,      @To,      @Body, @ReceivedAt)
        ON CONFLICT (provider, provider_message_id) DO NOTHING
        RETURNING id
        """;

    private const string SelectStoredSql = """
        SELECT id, reply, handled_at IS NOT NULL AS handled
          FROM inbound_messages
         WHERE provider = @Provider AND provider_message_id = @ProviderMessageId
        """;

    public async Task<InboundResult> HandleAsync(InboundSms sms, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var inserted = await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(InsertInboundSql, new
        {
            sms.Provider,
            sms.ProviderMessageId,
            sms.From,
            sms.To,
            sms.Body,
            ReceivedAt = clock.GetUtcNow(),
        }, cancellationToken: ct));

        long id;
        if (inserted is null)
        {
            var stored = await conn.QuerySingleAsync<(long Id, string? Reply, bool Handled)>(
                new CommandDefinition(SelectStoredSql, sms, cancellationToken: ct));
            // A retry of a message we finished: same reply, no effects. One we never finished: finish it now.
            if (stored.Handled)
            {
                log.LogInformation("Duplicate inbound {MessageSid} from {From}", sms.ProviderMessageId, Phone.Mask(sms.From));
                return new InboundResult(stored.Reply, Duplicate: true);
            }
            id = stored.Id;
        }
        else
        {
            id = inserted.Value;
        }

        // The insert above is committed on its own: whatever happens next, the message is kept.
        return await router.RouteAsync(conn, id, sms, ct);
    }
}
