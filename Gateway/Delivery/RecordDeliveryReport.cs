using Dapper;
using Gateway.Subscriptions;
using Npgsql;
using Gateway.Hosting;

namespace Gateway.Delivery;

/// <summary>What a provider's delivery report means, once its provider folder has translated it.</summary>
public enum ReportProblem
{
    None,
    /// <summary>Undelivered for a reason that may pass (handset off, unknown carrier error): worth a few resends.</summary>
    Retryable,
    /// <summary>The recipient opted out at the carrier.</summary>
    RecipientOptedOut,
    /// <summary>The number cannot receive SMS (see <see cref="DeliveryReport.NumberProblem"/>).</summary>
    BadNumber,
}

/// <summary>
/// One delivery report (status callback), in the gateway's words.
/// </summary>
/// <param name="MessageId">Our outbound row id when the provider echoes it (Twilio: the StatusCallback query string).</param>
/// <param name="ProviderStatus">The provider's own status word, stored as is.</param>
/// <param name="Rank">Order of the provider's statuses: a report never replaces one of a higher rank.</param>
/// <param name="Outcome">The row status a final report sets (delivered, undelivered, failed, canceled), or null while in progress.</param>
public sealed record DeliveryReport(string Provider, string ProviderMessageId, long? MessageId, string ProviderStatus, int Rank,
    string? Outcome, string? ErrorCode, ReportProblem Problem = ReportProblem.None, NumberProblem NumberProblem = NumberProblem.Invalid);

/// <summary>How a report was taken.</summary>
public enum ReportResult { Applied, Stale, Resent, Unmatched }

/// <summary>
/// Applies delivery reports to outbound rows. Reports come out of order and more than once, so a report only moves
/// a row forward (by rank), and applying the same report twice changes nothing. A report for an id we do not know
/// yet (the row is still being recorded, or it is not ours) is kept in delivery_reports and applied later by
/// <see cref="ReconcileDeliveries"/>.
/// </summary>
public sealed class RecordDeliveryReport(NpgsqlDataSource db, Subscribers subscribers, TimeProvider clock, ILogger<RecordDeliveryReport> log)
{
    /// <summary>New provider messages for one row after "undelivered" with a retryable code (30003, 30008).</summary>
    public const int MaxResends = 2;

    private sealed record Row(long Id, string Status, short ReportRank, short Resends, DateTimeOffset ExpiresAt, string Recipient, string? ProviderMessageId);

    private const string SelectByProviderIdSql = """
        SELECT id, status, report_rank, resends, expires_at, recipient, provider_message_id
          FROM outbound_messages
         WHERE provider_message_id = @ProviderMessageId AND provider = @Provider
           FOR UPDATE
        """;

    // A hand-off whose outcome we did not learn (timeout, crash) learns its provider id from the report.
    private const string SelectAmbiguousSql = """
        SELECT id, status, report_rank, resends, expires_at, recipient, provider_message_id
          FROM outbound_messages
         WHERE id = @MessageId AND provider = @Provider AND status = 'ambiguous' AND provider_message_id IS NULL
           FOR UPDATE
        """;

    private const string UpdateSql = """
        UPDATE outbound_messages
           SET status              = @Status,
               provider_message_id = @ProviderMessageId,
               provider_status     = @ProviderStatus,
               report_rank         = @Rank,
               error_code          = coalesce(@ErrorCode, error_code),
               resends             = @Resends,
               not_before          = coalesce(@NotBefore, not_before),
               claimed_until       = NULL,
               note                = coalesce(@Note, note),
               status_at           = @Now
         WHERE id = @Id
        """;

    private const string KeepUnmatchedSql = """
        INSERT INTO delivery_reports (provider, provider_message_id, message_id, provider_status, error_code,
                                      rank, outcome, problem, number_problem, received_at)
             VALUES (@Provider, @ProviderMessageId, @MessageId, @ProviderStatus, @ErrorCode,
                     @Rank, @Outcome, @Problem, @NumberProblem, @Now)
        ON CONFLICT (provider, provider_message_id, provider_status) DO NOTHING
        """;

    private const string RecordNumberProblemSql = """
        INSERT INTO phone_number_problems (phone, problem, error_code, detected_at)
             VALUES (@Phone, @Problem, @ErrorCode, @Now)
        ON CONFLICT (phone) DO UPDATE SET problem = EXCLUDED.problem, error_code = EXCLUDED.error_code, detected_at = EXCLUDED.detected_at
        """;

    public async Task<ReportResult> HandleAsync(DeliveryReport report, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectByProviderIdSql, report, tx, cancellationToken: ct));
        if (row is null && report.MessageId is not null)
            row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectAmbiguousSql, report, tx, cancellationToken: ct));
        if (row is null)
        {
            await conn.ExecuteAsync(new CommandDefinition(KeepUnmatchedSql, new
            {
                report.Provider, report.ProviderMessageId, report.MessageId, report.ProviderStatus, report.ErrorCode,
                report.Rank, report.Outcome, Problem = report.Problem.ToString(), NumberProblem = report.NumberProblem.ToString(), Now = now,
            }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return ReportResult.Unmatched;
        }
        if (report.Rank <= row.ReportRank) return ReportResult.Stale;

        var expiresAt = row.ExpiresAt;
        var resendAt = now + ResendDelay(row.Resends);
        var resend = report.Problem == ReportProblem.Retryable && row.Resends < MaxResends && resendAt < expiresAt;
        var status = resend ? OutboundStatus.Queued
            : report.Outcome ?? (row.Status == OutboundStatus.Ambiguous ? OutboundStatus.Sent : row.Status);
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            row.Id,
            Status = status,
            ProviderMessageId = resend ? null : report.ProviderMessageId,
            ProviderStatus = resend ? null : report.ProviderStatus,
            Rank = resend ? 0 : report.Rank,
            report.ErrorCode,
            Resends = (short)(row.Resends + (resend ? 1 : 0)),
            NotBefore = resend ? resendAt : (DateTimeOffset?)null,
            Note = resend ? $"{report.ProviderStatus} {report.ErrorCode} from {report.ProviderMessageId}; sent again"
                : row.Status == OutboundStatus.Ambiguous ? "provider id learnt from its delivery report" : null,
            Now = now,
        }, tx, cancellationToken: ct));
        if (report.Problem == ReportProblem.BadNumber)
            await conn.ExecuteAsync(new CommandDefinition(RecordNumberProblemSql, new
            {
                Phone = row.Recipient, Problem = Dispatcher.ProblemName(report.NumberProblem), report.ErrorCode, Now = now,
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        DeliveryTelemetry.Reports.Add(1, new KeyValuePair<string, object?>("status", status));

        if (report.Problem == ReportProblem.RecipientOptedOut)
            await subscribers.RecordCarrierOptOutAsync(row.Recipient, $"carrier {report.ErrorCode}".Trim(), ct);
        if (resend)
            log.LogInformation("Message {Id} {Status} ({Code}); resend {Resend} of {Max} after {Delay}", row.Id, LogSanitiser.Clean(report.ProviderStatus),
                LogSanitiser.Clean(report.ErrorCode), row.Resends + 1, MaxResends, resendAt - now);
        return resend ? ReportResult.Resent : ReportResult.Applied;
    }

    /// <summary>A handset that was off is often back within minutes: 2, then 10 minutes.</summary>
    private static TimeSpan ResendDelay(int resends) => resends == 0 ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(10);

    private const string MarkAppliedSql = "UPDATE delivery_reports SET applied_at = @Now WHERE id = @Id";

    /// <summary>Applies a report kept earlier, and marks it applied if it now found its row.</summary>
    internal async Task<ReportResult> ApplyKeptAsync(long keptId, DeliveryReport report, CancellationToken ct)
    {
        var result = await HandleAsync(report, ct);
        if (result != ReportResult.Unmatched)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(MarkAppliedSql, new { Id = keptId, Now = clock.GetUtcNow() }, cancellationToken: ct));
        }
        return result;
    }
}
