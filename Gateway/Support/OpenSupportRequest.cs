using Dapper;
using Gateway.Data;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Support;

/// <summary>
/// Opens a support request: the one way every channel (SMS crisis and TALK, USSD callback) asks for a counsellor.
/// Runs inside the caller's transaction, so the request exists exactly when the message that asked for it is handled.
/// </summary>
public sealed class OpenSupportRequest(TimeProvider clock, ILogger<OpenSupportRequest> log)
{
    // inbound_message_id is unique: a retried webhook finds its request instead of opening a second one.
    private const string InsertSql = """
        INSERT INTO support_requests (subscriber_id, phone, priority, reason, channel, inbound_message_id, created_at)
             VALUES (@SubscriberId, @Phone, @Priority, @Reason, @Channel, @InboundMessageId, @Now)
        ON CONFLICT (inbound_message_id) DO NOTHING
        """;

    /// <summary>The same insert as a statement for the inbound webhook's batch (the router logs after commit).</summary>
    public NpgsqlBatchCommand Command(long? subscriberId, string phone, string priority, string reason, string channel, long? inboundMessageId) =>
        Batch.Command(InsertSql, Args(subscriberId, phone, priority, reason, channel, inboundMessageId));

    /// <param name="inboundMessageId">The message that asked, when it came by SMS; null for USSD and the API.</param>
    public async Task HandleAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long? subscriberId, string phone, string priority,
        string reason, string channel, long? inboundMessageId, CancellationToken ct)
    {
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, Args(subscriberId, phone, priority, reason, channel, inboundMessageId), tx, cancellationToken: ct));
        if (priority == SupportPriority.High)
            log.LogWarning("High-priority support request ({Reason}) from {Phone}", reason, Phone.Mask(phone));
        else
            log.LogInformation("Support request ({Reason}) from {Phone}", reason, Phone.Mask(phone));
    }

    // A resident who asks again while a callback is still open is already in the queue: one request is enough.
    private const string InsertCallbackUnlessOpenSql = """
        INSERT INTO support_requests (subscriber_id, phone, priority, reason, channel, created_at)
             SELECT @SubscriberId, @Phone, @Priority, @Reason, @Channel, @Now
              WHERE NOT EXISTS (SELECT FROM support_requests WHERE phone = @Phone AND reason = @Reason AND status = 'open')
        """;

    /// <summary>A callback request from a channel without a message id (USSD): opened unless one is already open for the number.</summary>
    public async Task<bool> OpenCallbackAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long? subscriberId, string phone,
        string channel, CancellationToken ct)
    {
        var opened = await conn.ExecuteAsync(new CommandDefinition(InsertCallbackUnlessOpenSql,
            Args(subscriberId, phone, SupportPriority.Normal, SupportReason.Callback, channel, null), tx, cancellationToken: ct)) > 0;
        if (opened) log.LogInformation("Support request ({Reason}) from {Phone}", SupportReason.Callback, Phone.Mask(phone));
        return opened;
    }

    private object Args(long? subscriberId, string phone, string priority, string reason, string channel, long? inboundMessageId) => new
    {
        SubscriberId = subscriberId,
        Phone = phone,
        Priority = priority,
        Reason = reason,
        Channel = channel,
        InboundMessageId = inboundMessageId,
        Now = clock.GetUtcNow(),
    };
}
