using Dapper;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Ussd;

/// <summary>A session as stored: its number, where it is in the menu, the input history handled and the last screen sent.</summary>
public sealed record UssdSession(string Phone, UssdState State, string InputText, UssdReply LastReply, bool Ended);

/// <summary>Everything one step needs, read in one round trip.</summary>
/// <param name="Interrupted">For a session not seen before: the state of this number's unfinished session of the last 5 minutes.</param>
public sealed record UssdSnapshot(UssdSession? Session, UssdFacts Facts, UssdState? Interrupted);

/// <summary>
/// The ussd_sessions table and the facts the menu shows. A step costs two indexed round trips: one read (session,
/// subscriber, topics, and on a dial the interrupted session) and one write; an action adds its own transaction
/// and a read of the facts it changed.
/// </summary>
public sealed class UssdSessions(NpgsqlDataSource db, TimeProvider clock, IOptions<GatewayOptions> options)
{
    /// <summary>Redialling within this long after a session broke off offers to continue it.</summary>
    public static readonly TimeSpan ResumeWindow = TimeSpan.FromMinutes(5);

    private const string LoadSql = """
        SELECT s.phone        AS session_phone,
               s.state::text  AS session_state,
               s.input_text,
               s.last_reply,
               s.reply_ends,
               s.ended_at IS NOT NULL AS session_ended,
               sub.id         AS subscriber_id,
               sub.language   AS subscriber_language,
               sub.status,
               sub.delivery_hour,
               sub.created_at AS subscribed_at,
               ARRAY(SELECT topic FROM subscriptions WHERE subscriber_id = sub.id) AS topics,
               CASE WHEN s.session_id IS NULL THEN
                   (SELECT i.state::text
                      FROM ussd_sessions i
                     WHERE i.phone = @Phone AND i.ended_at IS NULL AND i.updated_at >= @ResumeSince
                     ORDER BY i.updated_at DESC
                     LIMIT 1)
               END            AS interrupted_state
          FROM (SELECT 1) AS one
          LEFT JOIN ussd_sessions s ON s.session_id = @SessionId
          LEFT JOIN subscribers sub ON sub.phone = @Phone
        """;

    public async Task<UssdSnapshot> LoadAsync(string sessionId, string phone, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleAsync<Row>(new CommandDefinition(LoadSql,
            new { SessionId = sessionId, Phone = phone, ResumeSince = now - ResumeWindow }, cancellationToken: ct));

        var facts = Facts(phone, row, now);
        // A state this version cannot read restarts at the main menu rather than failing the step.
        var session = row.SessionState is null ? null : new UssdSession(row.SessionPhone!,
            UssdState.TryFromJson(row.SessionState) ?? UssdState.At(facts.Language, UssdMenus.MainScreen),
            row.InputText!, new UssdReply(row.LastReply!, row.ReplyEnds ?? false), row.SessionEnded ?? false);
        var interrupted = row.InterruptedState is null ? null : UssdState.TryFromJson(row.InterruptedState);
        return new UssdSnapshot(session, facts, interrupted);
    }

    private const string LoadFactsSql = """
        SELECT sub.id         AS subscriber_id,
               sub.language   AS subscriber_language,
               sub.status,
               sub.delivery_hour,
               sub.created_at AS subscribed_at,
               ARRAY(SELECT topic FROM subscriptions WHERE subscriber_id = sub.id) AS topics
          FROM (SELECT 1) AS one
          LEFT JOIN subscribers sub ON sub.phone = @Phone
        """;

    /// <summary>The facts again, after an action changed them.</summary>
    public async Task<UssdFacts> LoadFactsAsync(string phone, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleAsync<Row>(new CommandDefinition(LoadFactsSql, new { Phone = phone }, cancellationToken: ct));
        return Facts(phone, row, clock.GetUtcNow());
    }

    // A new session closes this number's older open ones: only the newest can be resumed, and only once.
    private const string InsertSql = """
        WITH superseded AS (
            UPDATE ussd_sessions SET ended_at = @Now
             WHERE phone = @Phone AND ended_at IS NULL AND session_id <> @SessionId
        )
        INSERT INTO ussd_sessions (session_id, phone, service_code, network_code, language, state,         input_text, last_reply, reply_ends, started_at, updated_at, ended_at)
             VALUES (@SessionId,  @Phone, @ServiceCode, @NetworkCode, @Language, @State::jsonb, @InputText, @LastReply, @ReplyEnds, @Now,      @Now,       @EndedAt)
        ON CONFLICT (session_id) DO NOTHING
        """;

    // Only over the history this step started from: a concurrent duplicate of the step cannot overwrite a newer state.
    private const string UpdateSql = """
        UPDATE ussd_sessions
           SET language = @Language, state = @State::jsonb, input_text = @InputText, last_reply = @LastReply,
               reply_ends = @ReplyEnds, updated_at = @Now, ended_at = COALESCE(ended_at, @EndedAt)
         WHERE session_id = @SessionId AND input_text = @PreviousInput
        """;

    /// <param name="previousInput">The history the step started from; null for a session not stored yet.</param>
    /// <returns>False when another request for the same session got there first.</returns>
    public async Task<bool> SaveAsync(UssdRequest request, string? previousInput, UssdState state, UssdReply reply, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var changed = await conn.ExecuteAsync(new CommandDefinition(previousInput is null ? InsertSql : UpdateSql, new
        {
            request.SessionId,
            request.Phone,
            request.ServiceCode,
            request.NetworkCode,
            state.Language,
            State = state.ToJson(),
            InputText = request.Text,
            PreviousInput = previousInput,
            LastReply = reply.Text,
            ReplyEnds = reply.End,
            Now = now,
            EndedAt = reply.End ? now : (DateTimeOffset?)null,
        }, cancellationToken: ct));
        return changed > 0;
    }

    private const string EndSql = "UPDATE ussd_sessions SET ended_at = @Now WHERE session_id = @SessionId AND ended_at IS NULL";

    /// <summary>Closes a session whose input we could not read: it ended with the polite END screen.</summary>
    public async Task EndAsync(string sessionId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(EndSql, new { SessionId = sessionId, Now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    private UssdFacts Facts(string phone, Row row, DateTimeOffset now)
    {
        var city = options.Value.CityTimeZone;
        return new UssdFacts(
            phone,
            row.SubscriberLanguage ?? options.Value.DefaultLanguage,
            Known: row.SubscriberId is not null,
            // Pending (imported, not confirmed) receives nothing either, and is asked "yes" first like an opted-out number.
            ReceivesNothing: row.Status is Subscriptions.Subscriber.OptedOut or Subscriptions.Subscriber.Pending,
            (row.Topics ?? []).ToHashSet(),
            row.DeliveryHour ?? UssdFacts.DefaultTipHour,
            DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, city).DateTime),
            row.SubscribedAt is { } at ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(new DateTimeOffset(at, TimeSpan.Zero), city).DateTime) : null);
    }

    private sealed class Row
    {
        public string? SessionPhone { get; set; }
        public string? SessionState { get; set; }
        public string? InputText { get; set; }
        public string? LastReply { get; set; }
        public bool? ReplyEnds { get; set; }
        public bool? SessionEnded { get; set; }
        public long? SubscriberId { get; set; }
        public string? SubscriberLanguage { get; set; }
        public string? Status { get; set; }
        public short? DeliveryHour { get; set; }
        public DateTime? SubscribedAt { get; set; }
        public string[]? Topics { get; set; }
        public string? InterruptedState { get; set; }
    }
}
