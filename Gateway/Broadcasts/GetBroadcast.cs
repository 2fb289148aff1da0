using Dapper;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// A broadcast's counts, over all its occurrences (README "## Broadcasts" defines each):
/// from the fan-out's records: skipped (opted out, invalid number, same text) and held (quiet hours, deferred);
/// from its messages in the outbound queue by status (<see cref="IBroadcastMessageCounts"/>: the tallies): planned,
/// waiting, sent, delivered, failed, expired, canceled, and those the dispatcher skipped at send time (opted out after
/// the fan-out, invalid number). Of the failed,
/// <paramref name="FailedUnconfirmed"/> were handed to the provider twice without an answer and not found there
/// (error_code 'ambiguous_after_resend'): why a resident may have missed the notice.
/// </summary>
/// <param name="Undelivered">The part of Sent and of Failed the carrier could not deliver.</param>
/// <param name="SkippedAtSend">Messages written but stopped by the dispatcher (a later opt-out, a number found bad).</param>
public sealed record BroadcastCounts(long Planned, long Waiting, long Sent, long Delivered, long Failed, long Expired, long Canceled,
    long SkippedOptedOut, long SkippedInvalidNumber, long SkippedSameText, long SkippedQuietHours, long Deferred, long FailedUnconfirmed,
    long Undelivered = 0, long SkippedAtSend = 0)
{
    /// <summary>Messages that reached a final status: everything planned but what still waits.</summary>
    public long Finished => Planned - Waiting;

    /// <summary>Never written: opted out, known-bad numbers and the same text again, at the fan-out.</summary>
    public long SkippedAtFanOut => SkippedOptedOut + SkippedInvalidNumber + SkippedSameText - SkippedAtSend;
}

public sealed record OccurrenceReport(long Id, DateTime OccurrenceAt, DateTime DueAt, string Status, int Planned, int HeldForQuietHours,
    int Deferred, int SkippedOptedOut, int SkippedInvalidNumber, int SkippedSameText, DateTime StartedAt, DateTime? FannedOutAt);

/// <param name="OccurrenceIds">Every occurrence's id, newest first (its messages carry it as broadcast_id).</param>
public sealed record BroadcastReport(Broadcast Broadcast, BroadcastCounts Counts, IReadOnlyList<OccurrenceReport> Occurrences,
    IReadOnlyList<LanguageText> Texts, DateTimeOffset? NextOccurrenceAt, IReadOnlyList<long> OccurrenceIds);

/// <summary>A broadcast with its texts as sent, counts and occurrences: GET /api/broadcasts/{id} and the broadcast page.</summary>
public sealed class GetBroadcast(NpgsqlDataSource db, Delivery.Outbox outbox, IBroadcastMessageCounts messageCounts, IOptions<GatewayOptions> gateway,
    TimeProvider clock)
{
    /// <summary>Occurrences listed in a report, newest first; the counts cover all of them.</summary>
    public const int OccurrencesShown = 30;

    private const string OccurrencesSql = """
        SELECT id, occurrence_at, due_at, status, planned, held_for_quiet_hours, deferred, skipped_opted_out,
               skipped_invalid_number, skipped_same_text, started_at, fanned_out_at
          FROM broadcast_occurrences
         WHERE broadcast_id = @Id
         ORDER BY occurrence_at DESC
        """;

    public async Task<BroadcastReport?> HandleAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var broadcast = await Broadcast.FindAsync(conn, null, id, ct);
        if (broadcast is null) return null;
        var occurrences = (await conn.QueryAsync<OccurrenceReport>(new CommandDefinition(OccurrencesSql, new { Id = id }, cancellationToken: ct))).AsList();
        var ids = occurrences.Select(o => o.Id).ToList();
        var statusCounts = await messageCounts.ReadAsync(conn, ids, ct);
        var byStatus = statusCounts.ToDictionary(r => r.Status, r => r.Messages);
        long Rows(params string[] statuses) => statuses.Sum(s => byStatus.GetValueOrDefault(s));

        var counts = new BroadcastCounts(
            Planned: byStatus.Values.Sum(),
            Waiting: Rows("queued", "sending", "ambiguous"),
            Sent: Rows("sent", "delivered", "undelivered"),
            Delivered: Rows("delivered"),
            Failed: Rows("failed", "undelivered"),
            Expired: Rows("expired"),
            Canceled: Rows("canceled"),
            SkippedOptedOut: occurrences.Sum(o => (long)o.SkippedOptedOut) + Rows("skipped_opted_out"),
            SkippedInvalidNumber: occurrences.Sum(o => (long)o.SkippedInvalidNumber) + Rows("skipped_invalid_number"),
            SkippedSameText: occurrences.Sum(o => (long)o.SkippedSameText),
            SkippedQuietHours: occurrences.Sum(o => (long)o.HeldForQuietHours),
            Deferred: occurrences.Sum(o => (long)o.Deferred),
            FailedUnconfirmed: statusCounts.Sum(r => r.Unconfirmed),
            Undelivered: Rows("undelivered"),
            SkippedAtSend: Rows("skipped_opted_out", "skipped_invalid_number"));

        DateTimeOffset? next = null;
        if (broadcast.IsRecurring && broadcast.Status is BroadcastStatus.Scheduled or BroadcastStatus.PendingApproval)
        {
            var from = clock.GetUtcNow() > broadcast.SendAtUtc ? clock.GetUtcNow() : broadcast.SendAtUtc;
            next = ValidateBroadcast.ParseCron(broadcast.RepeatCron!).GetNextOccurrence(from, gateway.Value.CityTimeZone, inclusive: true);
        }
        var texts = BroadcastTexts.Render(broadcast.Texts, gateway.Value.DefaultLanguage, outbox)
            .Where(t => broadcast.Languages.Length == 0 || broadcast.Languages.Contains(t.Language)).ToList();
        return new BroadcastReport(broadcast, counts, occurrences.Take(OccurrencesShown).ToList(), texts, next, ids);
    }
}
