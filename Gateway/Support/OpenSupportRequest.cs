using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Support;

/// <summary>A request for a person, decided by the inbound pipeline (crisis words, TALK) and opened here.</summary>
/// <param name="InboundMessageId">The message that asked: a retried webhook finds its request instead of opening a second one.</param>
public sealed record SupportRequestToOpen(long? SubscriberId, string Phone, string Priority, string Reason, string Channel, long? InboundMessageId);

/// <summary>
/// Opens support requests: the one way every channel (SMS crisis and TALK, USSD callback) asks for a counsellor.
/// Runs inside the caller's transaction, so the request exists exactly when the message that asked for it is handled.
/// </summary>
public sealed class OpenSupportRequest(TimeProvider clock, ILogger<OpenSupportRequest> log)
{
    // inbound_message_id is unique: a retried webhook finds its request instead of opening a second one.
    private const string InsertSql = """
        INSERT INTO support_requests (subscriber_id, phone, priority, reason, channel, inbound_message_id, created_at)
             VALUES (@SupportSubscriberId, @SupportPhone, @SupportPriority, @SupportReason, @SupportChannel, @SupportInboundMessageId, @SupportAt)
        ON CONFLICT (inbound_message_id) DO NOTHING
        """;

    /// <summary>The request as a statement for a caller's command (the inbound pipeline's one round trip); the caller
    /// logs it with <see cref="Opened"/> once its transaction committed.</summary>
    public SqlStatement Statement(SupportRequestToOpen request) => new(InsertSql, new
    {
        SupportSubscriberId = request.SubscriberId,
        SupportPhone = request.Phone,
        SupportPriority = request.Priority,
        SupportReason = request.Reason,
        SupportChannel = request.Channel,
        SupportInboundMessageId = request.InboundMessageId,
        SupportAt = clock.GetUtcNow(),
    });

    /// <summary>Crisis requests reach counsellors first: a warning; other requests: information. Numbers masked.</summary>
    public void Opened(SupportRequestToOpen request) => log.RequestOpened(request);

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
        var opened = await conn.ExecuteAsync(new CommandDefinition(InsertCallbackUnlessOpenSql, new
        {
            SubscriberId = subscriberId,
            Phone = phone,
            Priority = SupportPriority.Normal,
            Reason = SupportReason.Callback,
            Channel = channel,
            Now = clock.GetUtcNow(),
        }, tx, cancellationToken: ct)) > 0;
        if (opened) Opened(new SupportRequestToOpen(subscriberId, phone, SupportPriority.Normal, SupportReason.Callback, channel, null));
        return opened;
    }
}
