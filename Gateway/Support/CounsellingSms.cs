using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Templates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Support;

/// <summary>The kinds of the outbound messages counselling sends (shown as such in a resident's messages and reports).</summary>
public static class CounsellingKinds
{
    /// <summary>What a counsellor wrote.</summary>
    public const string Reply = "counsellor_reply";
    /// <summary>The gateway's own messages of a conversation: a counsellor is here; the conversation ended.</summary>
    public const string Notice = "counselling_notice";
    /// <summary>To the on-call counsellors: a crisis request waits.</summary>
    public const string OncallAlert = "counsellor_oncall_alert";
}

/// <summary>
/// Every SMS of a conversation goes out here, through the outbound queue at the highest priority (encoding, segments,
/// delivery reports as for any message), and is written into the conversation, in the caller's transaction.
/// </summary>
public sealed class CounsellingSms(Outbox outbox, MessageTexts texts, IOptions<GatewayOptions> gateway, TimeProvider clock)
{
    private const string InsertSql = """
        INSERT INTO conversation_messages (support_request_id, direction, outbound_message_id, sent_by, at)
             VALUES (@Id, 'out', @MessageId, @By, @At);
        UPDATE support_requests SET last_message_at = @At WHERE id = @Id
        """;

    /// <summary>Queues <paramref name="text"/> for the resident of <paramref name="request"/> and adds it to the
    /// conversation; <paramref name="by"/> is the counsellor, or null for the gateway's own messages. Returns the message id.</summary>
    public async Task<long> SendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SupportRequest request, string text, string kind, string? by,
        CancellationToken ct)
    {
        var id = await outbox.EnqueueAsync(conn, tx, new OutboundMessage(request.Phone, text, kind, MessagePriority.Critical)
        {
            SubscriberId = request.SubscriberId,
        }, ct) ?? throw new InvalidOperationException("an outbound message without a dedupe key is always queued");
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, new { request.Id, MessageId = id, By = by, At = clock.GetUtcNow() }, tx, cancellationToken: ct));
        return id;
    }

    /// <summary>One of templates/messages' texts, in the resident's language (DEFAULT_LANGUAGE when unknown).</summary>
    public string Text(string key, string? language, params (string Name, string Value)[] values) =>
        texts.Get(key, language ?? gateway.Value.DefaultLanguage, values.Length == 0 ? null : values.ToDictionary(v => v.Name, v => v.Value));

    public string DefaultLanguage => gateway.Value.DefaultLanguage;
}
