using Dapper;
using Gateway.Data;
using Gateway.Hosting;
using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Templates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>A stored inbound message being handled, and the sender as it was read: everything a decision needs.</summary>
/// <param name="Topics">The subscriber's topic keys, sorted ordinally (as the database orders them: the column is COLLATE "C").</param>
public sealed record InboundContext(long InboundId, InboundSms Sms, ParsedMessage Parsed, Subscriber Subscriber, IReadOnlyList<string> Topics)
{
    /// <summary>Replies go out in the subscriber's language, never in the language the message happened to be in.</summary>
    public string Language => Subscriber.Language;

    /// <summary>The sender's delivery hour and enrolments: read only for course intents (JOIN 12, NEXT, REPEAT, STOP 12).</summary>
    public Learner? Learner { get; init; }
}

/// <summary>What a message comes to: the intent recorded with it, the reply (null: acknowledge, say nothing),
/// and the changes to the database, not yet made.</summary>
public sealed record InboundOutcome(string Intent, string? Reply, IReadOnlyList<NpgsqlBatchCommand> Changes)
{
    public InboundOutcome(string intent, string? reply) : this(intent, reply, []) { }

    /// <summary>The sender's record once the changes are made, when they touch it (remembered for the next message).</summary>
    public InboundSender? SenderAfter { get; init; }
}

/// <summary>
/// Decides what a stored inbound message means and carries it out. Deciding is pure (the InboundRouter.*.cs files,
/// one method per intent, from the message and the sender's record); carrying out is one batch: the message's
/// reply and all its changes (subscriber, consent ledger, support request) in one round trip and one transaction.
/// A retried webhook therefore finds the reply and changes nothing, and a failure leaves the message stored but
/// unhandled, to be finished by the retry. Adding an intent is one method and one line in <see cref="DecideByIntent"/>.
/// </summary>
public sealed partial class InboundRouter(
    KeywordParser parser,
    Subscribers subscribers,
    TopicCatalog topics,
    MessageTexts texts,
    OpenSupportRequest support,
    SenderCache senders,
    CourseCatalog courses,
    Enrolments enrolments,
    DailySchedule schedule,
    IOptions<GatewayOptions> gateway,
    IOptions<SupportOptions> supportOptions,
    TimeProvider clock,
    ILogger<InboundRouter> log)
{
    // Opt-out is sacred: an opted-out number gets one confirmation and then nothing until it opts back in.
    // These intents still get their reply: opting back in, the help text, and the crisis hotlines.
    private static readonly HashSet<Intent> AnsweredWhileOptedOut = [Intent.Crisis, Intent.OptIn, Intent.Yes, Intent.Join, Intent.Help];

    // These are still carried out for an opted-out number, without a reply: they never add messages (a second
    // STOP, leaving a topic or course, a language or delivery-hour preference), or a person asked for a person (TALK opens
    // a request that a counsellor sees). Anything else from an opted-out number (NEXT, REPEAT) is only stored.
    private static readonly HashSet<Intent> CarriedOutSilentlyWhileOptedOut = [Intent.OptOutAll, Intent.Leave, Intent.Language, Intent.Talk, Intent.Time];

    /// <summary>What the message says. Our parser decides; the provider's own keyword reading (Twilio's OptOutType)
    /// only fills in when we understood nothing: Twilio has then already blocked or unblocked the number, and our
    /// records must agree.</summary>
    public ParsedMessage Read(InboundSms sms)
    {
        var parsed = parser.Parse(sms.Body);
        if (parsed.Intent != Intent.Unknown || sms.ProviderKeyword is null)
            return parsed;
        return sms.ProviderKeyword.ToUpperInvariant() switch
        {
            "STOP" => parsed with { Intent = Intent.OptOutAll, Keyword = "stop" },
            "START" => parsed with { Intent = Intent.OptIn, Keyword = "start" },
            "HELP" => parsed with { Intent = Intent.Help, Keyword = "help" },
            _ => parsed,
        };
    }

    /// <summary>
    /// The language of a number we have never seen, from its first message: Chinese characters mean zh; an English
    /// keyword of three letters or more (HELP, STOP, JOIN, a phrase) means en, since whoever typed it reads English;
    /// anything else (TD and T are Chinese-market conventions, pinyin, digits, "?") gets DEFAULT_LANGUAGE.
    /// LANG EN / 中文 in the first message wins. Later messages never change the language implicitly.
    /// </summary>
    public string LanguageOfNewSubscriber(ParsedMessage parsed)
    {
        if (parsed is { Intent: Intent.Language, Argument: { } chosen })
            return chosen;
        if (parsed.DetectedLanguage == MessageLanguage.Zh)
            return "zh";
        if (parsed.DetectedLanguage == MessageLanguage.En && parsed.Keyword?.Count(char.IsAsciiLetter) >= 3)
            return "en";
        return gateway.Value.DefaultLanguage;
    }

    /// <summary>
    /// Handles the stored message <paramref name="inboundId"/> on <paramref name="conn"/> (no transaction open).
    /// <paramref name="sender"/> is the sender's record read when the message was stored, or null if it is unknown.
    /// </summary>
    public async Task<InboundResult> RouteAsync(NpgsqlConnection conn, long inboundId, InboundSms sms, ParsedMessage parsed,
        InboundSender? sender, CancellationToken ct)
    {
        if (sender is not null && await TryRouteStoredAsync(conn, new InboundContext(inboundId, sms, parsed, sender.Subscriber, sender.Topics), ct) is { } done)
            return done;
        return await RouteUnderLocksAsync(conn, inboundId, sms, parsed, ct);
    }

    // The sender as the decision read them: same status, language and topics.
    private const string SenderAsReadSql = """
        SELECT FROM subscribers s
         WHERE s.id = @SubscriberId AND s.status = @Status AND s.language = @Language
           AND ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.topic) = @Topics
        """;

    // Guards for a batch that changes the sender: they fail the batch with division_by_zero (22012), 1 / (rows still
    // matching), rolling it all back, when the sender is no longer as read. The sender's row stays locked until the
    // batch commits, so another message from the same number waits and then sees our changes.
    private const string LockedStillAsReadSql = $"SELECT 1 / count(*)::int AS still_as_read FROM ({SenderAsReadSql} FOR UPDATE OF s) still_as_read";

    // Run after MarkHandledSql: it also fails unless that statement handled the message (a retry of a message
    // handled meanwhile keeps another handled_at).
    private const string GuardSql = $"""
        SELECT 1 / count(*)::int
          FROM ({SenderAsReadSql}
                   AND EXISTS (SELECT FROM inbound_messages i WHERE i.id = @InboundId AND i.handled_at = @HandledAt)
                   FOR UPDATE OF s) still_as_read
        """;

    private const string MarkHandledSql = """
        UPDATE inbound_messages
           SET intent = @Intent, reply = @Reply, handled_at = @HandledAt
         WHERE id = @Id AND handled_at IS NULL
        """;

    // For a message that changes nothing (help, not understood, …): its reply stands if the message is still
    // unhandled and the sender still as read. No locks: a concurrent change to the sender is then simply later.
    private const string MarkHandledIfUnchangedSql = $"""
        UPDATE inbound_messages
           SET intent = @Intent, reply = @Reply, handled_at = @HandledAt
         WHERE id = @InboundId AND handled_at IS NULL
           AND EXISTS ({SenderAsReadSql})
        """;

    // The message stored already handled, one row written once. A message that changes nothing is kept only if the
    // sender is still as read, and not if it is a retry (then nothing is kept and the usual path answers it).
    private const string StoreHandledIfUnchangedSql = $"""
        INSERT INTO inbound_messages (id, provider, provider_message_id, from_phone, to_phone, body, received_at, intent, reply, handled_at)
        OVERRIDING SYSTEM VALUE
        SELECT @InboundId, @Provider, @ProviderMessageId, @From, @To, @Body, @ReceivedAt, @Intent, @Reply, @HandledAt
         WHERE EXISTS ({SenderAsReadSql})
        ON CONFLICT (provider, provider_message_id) DO NOTHING
        """;

    // One that changes the sender fails, and its changes with it, when the sender changed (the guard's division by
    // zero; the WHERE keeps the planner from dropping the unused column) or it is a retry (unique_violation on the
    // provider's message id).
    private const string StoreHandledGuardedSql = $"""
        INSERT INTO inbound_messages (id, provider, provider_message_id, from_phone, to_phone, body, received_at, intent, reply, handled_at)
        OVERRIDING SYSTEM VALUE
        SELECT @InboundId, @Provider, @ProviderMessageId, @From, @To, @Body, @ReceivedAt, @Intent, @Reply, @HandledAt
          FROM ({LockedStillAsReadSql}) guard
         WHERE guard.still_as_read = 1
        """;

    private const string RetriedMessageConstraint = "inbound_messages_provider_provider_message_id_key";

    /// <summary>
    /// One round trip for a number whose record is in <see cref="SenderCache"/>: the message, taking the id
    /// <paramref name="inboundId"/>, is decided before it is stored, and stored already handled in the same batch as
    /// its changes. Null when nothing was kept (a retried message, or a record that changed): then store and route
    /// the usual way.
    /// </summary>
    public async Task<InboundResult?> TryStoreAndRouteAsync(NpgsqlConnection conn, long inboundId, InboundSms sms, DateTimeOffset receivedAt,
        ParsedMessage parsed, InboundSender sender, CancellationToken ct)
    {
        var context = await WithLearnerAsync(conn, null, new InboundContext(inboundId, sms, parsed, sender.Subscriber, sender.Topics), ct);
        var (outcome, reply) = Decide(context);
        var message = new
        {
            InboundId = inboundId, sms.Provider, sms.ProviderMessageId, sms.From, sms.To, sms.Body, ReceivedAt = receivedAt,
            outcome.Intent, Reply = reply, HandledAt = clock.GetUtcNow(),
        };
        var asRead = AsRead(context, message.HandledAt);
        return await TryCommitAsync(conn, context, outcome, reply, ct, outcome.Changes.Count == 0
            ? Batch.Command(StoreHandledIfUnchangedSql, message, asRead)
            : Batch.Command(StoreHandledGuardedSql, message, asRead));
    }

    /// <summary>The fast path for a message already stored: decide from the record as read at storage time, then
    /// send the reply and the changes, guarded, as one batch. Null when the message or the sender changed in between.</summary>
    private async Task<InboundResult?> TryRouteStoredAsync(NpgsqlConnection conn, InboundContext context, CancellationToken ct)
    {
        context = await WithLearnerAsync(conn, null, context, ct);
        var (outcome, reply) = Decide(context);
        var handled = new { outcome.Intent, Reply = reply, HandledAt = clock.GetUtcNow() };
        var asRead = AsRead(context, handled.HandledAt);
        return outcome.Changes.Count == 0
            ? await TryCommitAsync(conn, context, outcome, reply, ct, Batch.Command(MarkHandledIfUnchangedSql, asRead, handled))
            : await TryCommitAsync(conn, context, outcome, reply, ct,
                Batch.Command(MarkHandledSql, new { Id = context.InboundId, outcome.Intent, Reply = reply, handled.HandledAt }),
                Batch.Command(GuardSql, asRead));
    }

    private static object AsRead(InboundContext c, DateTimeOffset handledAt) => new
    {
        c.InboundId,
        SubscriberId = c.Subscriber.Id,
        c.Subscriber.Status,
        c.Subscriber.Language,
        Topics = c.Topics.ToArray(),
        HandledAt = handledAt,
    };

    /// <summary>
    /// Commits the message's <paramref name="handling"/> and the outcome's changes as one batch. With no changes,
    /// handling is one statement that keeps nothing when the message or the sender changed; otherwise it carries a
    /// guard that fails the whole batch then. Null in both cases: the caller routes the message another way.
    /// </summary>
    private async Task<InboundResult?> TryCommitAsync(NpgsqlConnection conn, InboundContext context, InboundOutcome outcome, string? reply,
        CancellationToken ct, params NpgsqlBatchCommand[] handling)
    {
        await using var batch = new NpgsqlBatch(conn);
        foreach (var command in handling.Concat(outcome.Changes))
            batch.BatchCommands.Add(command);
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DivisionByZero
            || e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: RetriedMessageConstraint })
        {
            return null;
        }
        if (outcome.Changes.Count == 0 && handling[0].RecordsAffected == 0)
            return null;
        Finished(context, outcome, reply);
        return new InboundResult(reply, Duplicate: false);
    }

    private const string LockInboundSql = "SELECT handled_at IS NOT NULL AS handled, reply FROM inbound_messages WHERE id = @Id FOR UPDATE";

    /// <summary>The careful path, for a retried message found unhandled, a new number whose record was being created
    /// by another message, or a record that changed since it was read: lock the message and the sender, read them
    /// again, decide, and commit.</summary>
    private async Task<InboundResult> RouteUnderLocksAsync(NpgsqlConnection conn, long inboundId, InboundSms sms, ParsedMessage parsed, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var stored = await conn.QuerySingleAsync<(bool Handled, string? Reply)>(new CommandDefinition(LockInboundSql, new { Id = inboundId }, tx, cancellationToken: ct));
        if (stored.Handled)
        {
            // The same message delivered twice at once: the other delivery finished first. Answer as it did.
            await tx.RollbackAsync(ct);
            return new InboundResult(stored.Reply, Duplicate: true);
        }
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, sms.From, LanguageOfNewSubscriber(parsed), ct);   // locks the row
        var topicKeys = (await subscribers.TopicsAsync(conn, tx, subscriber.Id, ct)).Order(StringComparer.Ordinal).ToList();
        var context = await WithLearnerAsync(conn, tx, new InboundContext(inboundId, sms, parsed, subscriber, topicKeys), ct);

        var (outcome, reply) = Decide(context);
        await using var batch = new NpgsqlBatch(conn, tx);
        AddHandled(batch, inboundId, outcome, reply);
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        Finished(context, outcome, reply);
        return new InboundResult(reply, Duplicate: false);
    }

    private void AddHandled(NpgsqlBatch batch, long inboundId, InboundOutcome outcome, string? reply)
    {
        batch.BatchCommands.Add(Batch.Command(MarkHandledSql, new { Id = inboundId, outcome.Intent, Reply = reply, HandledAt = clock.GetUtcNow() }));
        foreach (var change in outcome.Changes)
            batch.BatchCommands.Add(change);
    }

    /// <summary>The decision, and the reply as sent: when a typo was acted on, the reply first says how it was read.</summary>
    private (InboundOutcome Outcome, string? Reply) Decide(InboundContext c)
    {
        var outcome = GateWhileOptedOut(c);
        var reply = outcome.Reply is not null && c.Parsed.Fuzzy ? Sentences(c.Language, ReadAs(c), outcome.Reply) : outcome.Reply;
        return (outcome, reply);
    }

    private InboundOutcome GateWhileOptedOut(InboundContext c)
    {
        var intent = c.Parsed.Intent;
        if (!c.Subscriber.IsOptedOut || AnsweredWhileOptedOut.Contains(intent))
            return DecideByIntent(c);
        if (CarriedOutSilentlyWhileOptedOut.Contains(intent))
            return DecideByIntent(c) with { Reply = null };
        return new InboundOutcome(Name(intent), null);
    }

    /// <summary>The route table: one method per intent. JOIN and STOP with a course rather than a topic, NEXT, REPEAT
    /// and TIME are the lessons' (InboundRouter.Lessons.cs).</summary>
    private InboundOutcome DecideByIntent(InboundContext c) => c.Parsed.Intent switch
    {
        Intent.Crisis => Crisis(c),
        Intent.OptOutAll => OptOutAll(c),
        Intent.OptIn => OptIn(c),
        Intent.Yes when c.Subscriber.IsOptedOut => OptIn(c),   // YES only means "opt me back in" after an opt-out
        Intent.Join => CourseNamed(c.Parsed) is { } course ? JoinCourse(c, course) : JoinTopic(c),
        Intent.Leave => CourseNamed(c.Parsed) is { } course ? LeaveCourse(c, course) : LeaveTopic(c),
        Intent.Next => NextLesson(c),
        Intent.Repeat => RepeatLesson(c),
        Intent.Time => SetDeliveryTime(c),
        Intent.Help => Help(c),
        Intent.Language => ChangeLanguage(c),
        Intent.Talk => Talk(c),
        Intent.MyData => MyData(c),
        _ => NotUnderstood(c),
    };

    /// <summary>After the commit: remember the sender's record if this message left it as read, and log.</summary>
    private void Finished(InboundContext c, InboundOutcome outcome, string? reply)
    {
        var after = outcome.SenderAfter ?? (outcome.Changes.Count == 0 ? new InboundSender(c.Subscriber, c.Topics) : null);
        if (after is not null)
            senders.Remember(after);
        else
            senders.Forget(c.Subscriber.Phone);

        // Crisis and talk requests reach counsellors; everything else is Debug: at thousands of messages a second one
        // line each is noise, and every opt-in and opt-out is in the consent ledger.
        if (c.Parsed.Intent == Intent.Crisis)
            log.LogWarning("Crisis message {Id} from {From}: high-priority support request opened, hotlines sent", c.InboundId, Phone(c.Sms));
        else if (outcome.Intent == Name(Intent.Talk))
            log.LogInformation("Support request from {From} (message {Id})", Phone(c.Sms), c.InboundId);
        log.LogDebug("Inbound {Id} from {From}: {Intent}{Fuzzy}, {Replied}", c.InboundId, Phone(c.Sms), outcome.Intent,
            c.Parsed.Fuzzy ? " (one typo)" : "", reply is null ? "no reply" : "replied");
    }

    // ---- Helpers the intent methods share ---------------------------------------------------------------------

    private string Text(string key, string language, params (string Name, string Value)[] values) =>
        texts.Get(key, language, values.Length == 0 ? null : values.ToDictionary(v => v.Name, v => v.Value));

    /// <summary>The keyword as received, trimmed, for the consent ledger ("STOP please", "ＴＤ").</summary>
    private static string KeywordAsReceived(InboundContext c)
    {
        var trimmed = c.Sms.Body.Trim();
        return trimmed.Length <= 160 ? trimmed : trimmed[..160];
    }

    /// <summary>"We read "STPO" as STOP.": a typo was acted on, so say how the message was understood.</summary>
    private string ReadAs(InboundContext c)
    {
        var normalized = KeywordParser.Normalize(c.Sms.Body);
        var typed = new string(normalized.TakeWhile(char.IsAsciiLetter).ToArray()).ToUpperInvariant();
        return Text(MessageKeys.ReadAs, c.Language, ("typed", typed), ("keyword", (c.Parsed.Keyword ?? "").ToUpperInvariant()));
    }

    /// <summary>Two sentences of one reply: English puts a space between them, Chinese does not.</summary>
    private static string Sentences(string language, string first, string second) => first + (language == "en" ? " " : "") + second;

    /// <summary>The sender as they will be once this message's changes are made.</summary>
    private InboundSender After(InboundContext c, string? status = null, string? language = null, IEnumerable<string>? topicKeys = null) => new(
        c.Subscriber with
        {
            Status = status ?? c.Subscriber.Status,
            Language = language ?? c.Subscriber.Language,
            OptedOutAt = (status ?? c.Subscriber.Status) == Subscriber.OptedOut ? c.Subscriber.OptedOutAt ?? clock.GetUtcNow().UtcDateTime : null,
        },
        (topicKeys ?? c.Topics).Distinct().Order(StringComparer.Ordinal).ToList());

    private string TopicNames(IEnumerable<string> keys, string language) => topics.Names(keys, language, Text(MessageKeys.NoTopics, language));

    /// <summary>opt_out_all, my_data: the intent as stored with the message and shown in the inbox.</summary>
    private static string Name(Intent intent) =>
        string.Concat(intent.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));

    private static string Phone(InboundSms sms) => Gateway.Phones.Phone.Mask(sms.From);
}
