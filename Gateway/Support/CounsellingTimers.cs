using Dapper;
using Gateway.Delivery;
using Gateway.Templates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Support;

/// <summary>
/// Counselling's time limits, every minute (a Hangfire recurring job; tests call <see cref="RunAsync"/> on a fake clock):
/// <list type="bullet">
/// <item>a crisis request nobody claimed within CRISIS_CLAIM_WITHIN escalates: an SMS to every number of
/// COUNSELLOR_ONCALL_PHONES that says a crisis request waits (no resident text, no resident number), and again each
/// further CRISIS_CLAIM_WITHIN until someone claims it (the console's red banner needs nothing from here);</item>
/// <item>a conversation with no message for <see cref="Conversations.QuietConversation"/> closes itself as no_response;</item>
/// <item>bulk holds past their 24 hours are ended (their messages already go; this moves their validity on).</item>
/// </list>
/// Each escalation is claimed by one statement, so two workers never alert twice for the same interval.
/// </summary>
public sealed class CounsellingTimers(NpgsqlDataSource db, IOptions<SupportOptions> options, CloseSupportRequest close, Outbox outbox,
    CounsellingSms sms, TimeProvider clock, ILogger<CounsellingTimers> log)
{
    public const string JobId = "support:time-limits";

    private const string EscalateSql = """
        UPDATE support_requests
           SET escalated_at = @Now, escalations = escalations + 1
         WHERE status = 'open' AND claimed_by IS NULL AND priority = 'high'
           AND coalesce(escalated_at, created_at) <= @Due
        RETURNING id, escalations, created_at
        """;

    private const string QuietSql = """
        SELECT id FROM support_requests
         WHERE status = 'open' AND claimed_by IS NOT NULL AND last_message_at <= @Before
         ORDER BY id LIMIT 500
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        await EscalateAsync(ct);
        await CloseQuietAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await outbox.ReleaseExpiredHoldsAsync(conn, ct);
    }

    /// <summary>Returns how many requests escalated.</summary>
    public async Task<int> EscalateAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var escalated = (await conn.QueryAsync<(long Id, int Escalations, DateTime CreatedAt)>(new CommandDefinition(EscalateSql,
            new { Now = now, Due = now - o.CrisisClaimWithin }, tx, cancellationToken: ct))).AsList();
        foreach (var (id, escalations, createdAt) in escalated)
        {
            var minutes = (int)(now - new DateTimeOffset(createdAt, TimeSpan.Zero)).TotalMinutes;
            var text = sms.Text(MessageKeys.OncallCrisisWaiting, sms.DefaultLanguage, ("minutes", minutes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            foreach (var phone in o.OncallPhones)
                await outbox.EnqueueAsync(conn, tx, new OutboundMessage(phone, text, CounsellingKinds.OncallAlert, MessagePriority.Critical)
                {
                    DedupeKey = $"oncall:{id}:{escalations}:{phone}",
                }, ct);
            if (o.OncallPhones.Count == 0)
                log.CrisisWaitingNoOncall(id, minutes);
            else
                log.CrisisWaitingAlerted(id, minutes, escalations, o.OncallPhones.Count);
        }
        await tx.CommitAsync(ct);
        return escalated.Count;
    }

    /// <summary>Returns how many conversations closed.</summary>
    public async Task<int> CloseQuietAsync(CancellationToken ct)
    {
        List<long> quiet;
        await using (var conn = await db.OpenConnectionAsync(ct))
            quiet = (await conn.QueryAsync<long>(new CommandDefinition(QuietSql, new { Before = clock.GetUtcNow() - Conversations.QuietConversation },
                cancellationToken: ct))).AsList();
        var closed = 0;
        foreach (var id in quiet)
            if ((await close.CloseQuietAsync(id, ct)).Outcome == CloseOutcome.Closed)
                closed++;
        return closed;
    }
}
