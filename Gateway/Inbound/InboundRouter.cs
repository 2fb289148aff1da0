using Dapper;
using Gateway.Hosting;
using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Templates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>One stored inbound message being handled: the transaction its effects share, and what it means.</summary>
public sealed record InboundContext(NpgsqlConnection Conn, NpgsqlTransaction Tx, long InboundId, InboundSms Sms, ParsedMessage Parsed, Subscriber Subscriber)
{
    /// <summary>Replies go out in the subscriber's language, never in the language the message happened to be in.</summary>
    public string Language => Subscriber.Language;
}

/// <summary>What handling a message came to: the intent recorded with it, and the reply (null: acknowledge, say nothing).</summary>
public sealed record InboundOutcome(string Intent, string? Reply);

/// <summary>
/// Decides what a stored inbound message means and does it: one transaction per message for the subscriber's
/// record, the consent ledger, support requests and the reply kept with the message, so a retried webhook
/// returns the same reply and a failure leaves the message stored but unhandled, to be finished on the retry.
/// Each intent is one method in the InboundRouter.*.cs files; adding an intent is one method and one line in
/// <see cref="DispatchAsync"/>.
/// </summary>
public sealed partial class InboundRouter(
    KeywordParser parser,
    Subscribers subscribers,
    TopicCatalog topics,
    MessageTexts texts,
    OpenSupportRequest support,
    IOptions<GatewayOptions> gateway,
    IOptions<SupportOptions> supportOptions,
    TimeProvider clock,
    ILogger<InboundRouter> log)
{
    // Opt-out is sacred: an opted-out number gets one confirmation and then nothing until it opts back in.
    // These intents still get their reply: opting back in, the help text, and the crisis hotlines.
    private static readonly HashSet<Intent> AnsweredWhileOptedOut = [Intent.Crisis, Intent.OptIn, Intent.Yes, Intent.Join, Intent.Help];

    // These are still carried out for an opted-out number, without a reply: they never add messages (a second
    // STOP, leaving a topic, a language preference), or a person asked for a person (TALK opens a request that a
    // counsellor sees). Anything else from an opted-out number is only stored.
    private static readonly HashSet<Intent> CarriedOutSilentlyWhileOptedOut = [Intent.OptOutAll, Intent.Leave, Intent.Language, Intent.Talk];

    private const string MarkHandledSql = """
        UPDATE inbound_messages
           SET intent = @Intent, reply = @Reply, handled_at = @HandledAt
         WHERE id = @Id AND handled_at IS NULL
        """;

    private const string SelectReplySql = "SELECT reply FROM inbound_messages WHERE id = @Id";

    /// <summary>Handles the stored message <paramref name="inboundId"/> on <paramref name="conn"/> (no transaction open).</summary>
    public async Task<InboundResult> RouteAsync(NpgsqlConnection conn, long inboundId, InboundSms sms, CancellationToken ct)
    {
        var parsed = Interpret(sms);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var subscriber = await subscribers.FindOrCreateAsync(conn, tx, sms.From, LanguageOfNewSubscriber(parsed), ct);
        var context = new InboundContext(conn, tx, inboundId, sms, parsed, subscriber);

        var outcome = await GateAsync(context, ct);
        var reply = outcome.Reply is not null && parsed.Fuzzy ? Sentences(subscriber.Language, ReadAs(context), outcome.Reply) : outcome.Reply;

        var marked = await conn.ExecuteAsync(new CommandDefinition(MarkHandledSql,
            new { Id = inboundId, outcome.Intent, Reply = reply, HandledAt = clock.GetUtcNow() }, tx, cancellationToken: ct));
        if (marked == 0)
        {
            // The same message delivered twice at once: the other delivery finished first. Undo ours, answer as it did.
            await tx.RollbackAsync(ct);
            var stored = await conn.QuerySingleAsync<string?>(new CommandDefinition(SelectReplySql, new { Id = inboundId }, cancellationToken: ct));
            return new InboundResult(stored, Duplicate: true);
        }
        await tx.CommitAsync(ct);
        log.LogInformation("Inbound {Id} from {From}: {Intent}{Fuzzy}, {Replied}", inboundId, Phone(sms), outcome.Intent,
            parsed.Fuzzy ? " (one typo)" : "", reply is null ? "no reply" : "replied");
        return new InboundResult(reply, Duplicate: false);
    }

    /// <summary>Our parser decides. The provider's own keyword reading (Twilio's OptOutType) only fills in
    /// when we understood nothing: Twilio has then already blocked or unblocked the number, and our records must agree.</summary>
    private ParsedMessage Interpret(InboundSms sms)
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
    private string LanguageOfNewSubscriber(ParsedMessage parsed)
    {
        if (parsed is { Intent: Intent.Language, Argument: { } chosen })
            return chosen;
        if (parsed.DetectedLanguage == MessageLanguage.Zh)
            return "zh";
        if (parsed.DetectedLanguage == MessageLanguage.En && parsed.Keyword?.Count(char.IsAsciiLetter) >= 3)
            return "en";
        return gateway.Value.DefaultLanguage;
    }

    private async Task<InboundOutcome> GateAsync(InboundContext c, CancellationToken ct)
    {
        var intent = c.Parsed.Intent;
        if (!c.Subscriber.IsOptedOut || AnsweredWhileOptedOut.Contains(intent))
            return await DispatchAsync(c, ct);
        if (CarriedOutSilentlyWhileOptedOut.Contains(intent))
            return (await DispatchAsync(c, ct)) with { Reply = null };
        return new InboundOutcome(Name(intent), null);
    }

    /// <summary>The route table: one method per intent. Course intents (Next, Repeat, Time, and JOIN with a
    /// course number) belong to the lessons slice; until it adds its methods here they get the help menu.</summary>
    private Task<InboundOutcome> DispatchAsync(InboundContext c, CancellationToken ct) => c.Parsed.Intent switch
    {
        Intent.Crisis => CrisisAsync(c, ct),
        Intent.OptOutAll => OptOutAllAsync(c, ct),
        Intent.OptIn => OptInAsync(c, ct),
        Intent.Yes when c.Subscriber.IsOptedOut => OptInAsync(c, ct),   // YES only means "opt me back in" after an opt-out
        Intent.Join => JoinTopicAsync(c, ct),
        Intent.Leave => LeaveTopicAsync(c, ct),
        Intent.Help => Task.FromResult(Help(c)),
        Intent.Language => ChangeLanguageAsync(c, ct),
        Intent.Talk => TalkAsync(c, ct),
        Intent.MyData => MyDataAsync(c, ct),
        _ => Task.FromResult(NotUnderstood(c)),
    };

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

    private async Task<string> TopicNamesAsync(InboundContext c, CancellationToken ct) =>
        topics.Names(await subscribers.TopicsAsync(c.Conn, c.Tx, c.Subscriber.Id, ct), c.Language, Text(MessageKeys.NoTopics, c.Language));

    /// <summary>opt_out_all, my_data: the intent as stored with the message and shown in the inbox.</summary>
    private static string Name(Intent intent) =>
        string.Concat(intent.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));

    private static string Phone(InboundSms sms) => Gateway.Phones.Phone.Mask(sms.From);
}
