using Dapper;
using Gateway.Phones;
using Hangfire;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// A recurring job for messages stored but never handled: the web process died between storing a message and
/// handling it, or handling failed. Twilio does not retry a webhook by default, so without this an opt-out in such a
/// message would never take effect. Each goes through the pipeline again as the message it was (the pipeline finds it
/// stored and handles it under locks); its reply is recorded with it but not sent (the webhook's answer is gone; the
/// message also shows in the inbox until then).
/// </summary>
public sealed class FinishUnhandledMessages(NpgsqlDataSource db, InboundPipeline pipeline, TimeProvider clock, ILogger<FinishUnhandledMessages> log)
{
    public const string JobId = "inbound:finish-unhandled";

    /// <summary>Older than any webhook still being handled (requests time out long before).</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(2);

    /// <summary>How far back to look: the job runs every minute, and older messages stay in the inbox for officials.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(6);

    private const int Batch = 500;

    // Walks the received_at index over the window only: no index covers handled_at (that would end HOT updates).
    private const string SelectSql = """
        SELECT id, provider, provider_message_id, from_phone, to_phone, body, received_at, media_urls, media_types
          FROM inbound_messages
         WHERE received_at >= @From AND received_at < @Until AND handled_at IS NULL
         ORDER BY received_at, id
         LIMIT @Batch
        """;

    private sealed class Unhandled
    {
        public long Id { get; init; }
        public string Provider { get; init; } = "";
        public string ProviderMessageId { get; init; } = "";
        public string FromPhone { get; init; } = "";
        public string? ToPhone { get; init; }
        public string Body { get; init; } = "";
        public DateTimeOffset ReceivedAt { get; init; }
        public string[]? MediaUrls { get; init; }
        public string[]? MediaTypes { get; init; }

        public InboundMessage Message => new(Provider, ProviderMessageId, FromPhone, ToPhone, Body, ReceivedAt)
        {
            Media = InboundMediaColumns.Read(MediaUrls, MediaTypes),
        };
    }

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]   // it runs again in a minute anyway
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        List<Unhandled> messages;
        await using (var conn = await db.OpenConnectionAsync(ct))
            messages = (await conn.QueryAsync<Unhandled>(new CommandDefinition(SelectSql,
                new { From = now - Window, Until = now - MinimumAge, Batch }, cancellationToken: ct))).AsList();
        foreach (var m in messages)
        {
            var answer = await pipeline.HandleAsync(m.Message, ct);
            if (!answer.Duplicate)
                log.FinishedLate(m.Id, m.FromPhone);
        }
    }
}
