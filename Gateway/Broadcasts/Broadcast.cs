using System.Text.Json;
using Dapper;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// Where a broadcast is in its life. pending_approval → (approve) approved (starting now) or scheduled (a later
/// sendAt, or recurring: stays scheduled between occurrences) → sending (one-off: messages being materialised or
/// still waiting to be sent) → sent (every message reached a final status). canceled from any state before sent;
/// failed when it could not start in time (its messages would have been older than SMS_VALIDITY); rejected (with a
/// reason for its creator) instead of approved.
/// </summary>
public static class BroadcastStatus
{
    public const string PendingApproval = "pending_approval";
    public const string Approved = "approved";
    public const string Scheduled = "scheduled";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Canceled = "canceled";
    public const string Failed = "failed";
    public const string Rejected = "rejected";

    /// <summary>States in which a broadcast may still send: what cancel stops.</summary>
    public static readonly string[] Live = [PendingApproval, Approved, Scheduled, Sending];

    /// <summary>Every status, in the order of a broadcast's life (list filters show them so).</summary>
    public static readonly string[] All = [PendingApproval, Approved, Scheduled, Sending, Sent, Canceled, Failed, Rejected];
}

/// <summary>A broadcast as stored (timestamps UTC). Properties, not a positional record: Dapper reads text[] columns into them.</summary>
public sealed record Broadcast
{
    public long Id { get; init; }
    public string Title { get; init; } = "";
    public string Content { get; init; } = "{}";
    public string? TemplateKey { get; init; }
    public string[] Topics { get; init; } = [];
    public string[] Regions { get; init; } = [];
    public string[] Languages { get; init; } = [];
    public DateTime SendAt { get; init; }
    public string? RepeatCron { get; init; }
    public bool Urgent { get; init; }
    public string Status { get; init; } = "";
    public string? Failure { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public string? ApprovedBy { get; init; }
    public DateTime? ApprovedAt { get; init; }
    public string? RejectedBy { get; init; }
    public DateTime? RejectedAt { get; init; }
    public string? RejectionReason { get; init; }
    /// <summary>One sending's cost as estimated at approval (null before, and for broadcasts approved before it was kept).</summary>
    public decimal? EstimatedCost { get; init; }
    /// <summary>That estimate per route of SMS_ROUTES, as JSON (the preview's <see cref="RoutePreview"/>s); null like <see cref="EstimatedCost"/>.</summary>
    public string? EstimatedRoutes { get; init; }
    public string? CanceledBy { get; init; }
    public DateTime? CanceledAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? StartJobId { get; init; }

    public bool IsRecurring => RepeatCron is not null;

    /// <summary>The estimate per route kept at approval; empty before approval.</summary>
    public IReadOnlyList<RoutePreview> RoutesAtApproval => EstimatedRoutes is null ? [] : JsonSerializer.Deserialize<List<RoutePreview>>(EstimatedRoutes)!;

    public IReadOnlyDictionary<string, string> Texts => JsonSerializer.Deserialize<Dictionary<string, string>>(Content)!;

    public DateTimeOffset SendAtUtc => new(SendAt);

    /// <summary>When a one-off broadcast's messages are meant to go: its sendAt, or its approval if that came later.</summary>
    public DateTimeOffset StartAt => ApprovedAt is { } approved && approved > SendAt
        ? new DateTimeOffset(approved)
        : SendAtUtc;

    /// <summary>
    /// The broadcast as a draft, to preview what it would do if approved at <paramref name="now"/>: its sendAt, or now
    /// when that has passed (an approval then starts it at once).
    /// </summary>
    public BroadcastDraft ToDraft(DateTimeOffset now) => new(Title, Texts, TemplateKey, Topics, Regions, Languages,
        SendAtUtc > now ? SendAtUtc : now, RepeatCron, Urgent);

    private const string SelectSql = """
        SELECT id, title, content::text AS content, template_key, topics, regions, languages, send_at, repeat_cron, urgent,
               status, failure, created_by, created_at, approved_by, approved_at, rejected_by, rejected_at, rejection_reason,
               estimated_cost, estimated_routes::text AS estimated_routes, canceled_by, canceled_at, finished_at, start_job_id
          FROM broadcasts
         WHERE id = @Id
        """;

    public static Task<Broadcast?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<Broadcast>(new CommandDefinition(SelectSql, new { Id = id }, tx, cancellationToken: ct));
}
