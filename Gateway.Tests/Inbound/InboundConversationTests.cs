using Gateway.Tests.Support;

namespace Gateway.Tests.Inbound;

/// <summary>
/// Residents' conversations with the gateway, through the signed Twilio webhook and a real database: each case
/// is what one number sends, what it gets back (or that it gets nothing), and where its record ends up.
/// </summary>
public sealed class InboundConversationTests(TwilioWebhookApp app) : IClassFixture<TwilioWebhookApp>
{
    private readonly TwilioSms _twilio = new(app);

    /// <summary>One message and the reply it must get: Reply is a piece of the expected text, or null for no reply at all.</summary>
    public sealed record Step(string Send, string? Reply);

    public sealed record Case(string Label, Step[] Steps, string Status, string Language, string[] Topics)
    {
        public int Index { get; init; }
        public string Phone => $"+86139{Index + 10_000_000:D8}";
        public override string ToString() => Label;
    }

    private static Step Says(string send, string reply) => new(send, reply);
    private static Step Silent(string send) => new(send, null);

    private const string OptOutEn = "You are unsubscribed from all messages";
    private const string OptOutZh = "您已退订全部消息";
    private const string HelpEn = "Reply JOIN + number: 1 Prevention notices";
    private const string HelpZh = "回复 订阅+编号：1 防疫通知";
    private const string HotlineNumber = "12356";

    private static readonly Case[] AllCases = new Case[]
    {
        // ---- Opt-out is sacred ----
        new("STOP, then an unrelated text: no reply, no re-subscribe; then START", [
            Says("JOIN 2", "Daily health tip"), Says("STOP", OptOutEn), Silent("hello?"), Silent("what about the vaccine"), Silent("OK"),
            Says("START", "You are subscribed to: Daily health tip")], "active", "en", ["tips"]),
        new("a second STOP gets no reply at all", [Says("STOP", OptOutEn), Silent("STOP"), Silent("退订")], "opted_out", "en", []),
        new("退订 from a new number: one confirmation in Chinese", [Says("退订", OptOutZh)], "opted_out", "zh", []),
        new("HELP while opted out gets the help text", [Says("TD", OptOutZh), Says("HELP", "您已退订"), Says("帮助", "回复 订阅 可重新订阅")], "opted_out", "zh", []),
        new("crisis while opted out still gets the hotlines", [Says("TD", OptOutZh), Says("我不想活了", HotlineNumber)], "opted_out", "zh", []),
        new("YES only opts back in after an opt-out", [Says("HELP", HelpEn), Says("YES", "Not understood. " + HelpEn), Says("STOP", OptOutEn),
            Says("YES", "You are subscribed to: Prevention notices")], "active", "en", ["notices"]),
        new("JOIN <topic> opts an opted-out number back in", [Says("STOP", OptOutEn), Says("JOIN 4", "You will receive Mental health support")],
            "active", "en", ["mental-health"]),
        new("JOIN <unknown> from an opted-out number changes nothing", [Says("STOP", OptOutEn), Says("JOIN 77", "We have no topic \"77\"")],
            "opted_out", "en", []),
        new("leaving a topic while opted out is done silently", [Says("订阅 2", "每日健康小贴士"), Says("TD", OptOutZh), Silent("退订 2"),
            Says("订阅", "您已订阅：防疫通知")], "active", "zh", ["notices"]),
        new("a language change while opted out is kept silently", [Says("STOP", OptOutEn), Silent("中文"), Says("HELP", "您已退订")], "opted_out", "zh", []),
        new("TALK while opted out: no reply", [Says("STOP", OptOutEn), Silent("TALK")], "opted_out", "en", []),
        new("MYDATA while opted out: no reply", [Says("STOP", OptOutEn), Silent("MYDATA")], "opted_out", "en", []),
        new("free-text opt-out in English", [Says("please stop texting me", OptOutEn)], "opted_out", "en", []),
        new("free-text opt-out in Chinese", [Says("不要再发了", OptOutZh)], "opted_out", "zh", []),
        new("退订谢谢 without spaces", [Says("退订谢谢", OptOutZh)], "opted_out", "zh", []),
        new("full-width ＳＴＯＰ", [Says("ＳＴＯＰ", OptOutEn)], "opted_out", "en", []),
        new("full-width ｔｄ from a new number: TD is a Chinese convention", [Says("ｔｄ", OptOutZh)], "opted_out", "zh", []),
        new("one typo is acted on, and the reply says how it was read", [Says("STPO", "We read \"STPO\" as STOP. " + OptOutEn)], "opted_out", "en", []),
        new("don't stop is not an opt-out", [Says("don't stop", "没看懂。" + HelpZh)], "active", "zh", []),
        new("stopwatch is not an opt-out", [Says("stopwatch", "没看懂。" + HelpZh)], "active", "zh", []),

        // ---- Opting in ----
        new("bare JOIN from a new number: default topic, and how to pick more", [Says("JOIN", "You are subscribed to: Prevention notices. More topics: 1 Prevention notices, 2 Daily health tip")],
            "active", "en", ["notices"]),
        new("bare 订阅 from a new number", [Says("订阅", "您已订阅：防疫通知")], "active", "zh", ["notices"]),
        new("START restores the topics chosen before STOP", [Says("JOIN 2", "Daily health tip"), Says("JOIN 3", "Health lessons"), Says("STOP", OptOutEn),
            Says("START", "Daily health tip, Health lessons")], "active", "en", ["tips", "lessons"]),
        new("UNSTOP", [Says("STOP", OptOutEn), Says("UNSTOP", "You are subscribed to")], "active", "en", ["notices"]),
        new("重新订阅", [Says("退订", OptOutZh), Says("重新订阅", "您已订阅")], "active", "zh", ["notices"]),
        new("a text from a new number creates a record with no topics and no consent", [Says("hello", "没看懂。" + HelpZh)], "active", "zh", []),

        // ---- Topics ----
        new("join by number, English", [Says("JOIN 2", "You will receive Daily health tip. Your topics: Daily health tip. Reply STOP 2")], "active", "en", ["tips"]),
        new("join by number, Chinese, no space", [Says("订阅2", "您将收到每日健康小贴士")], "active", "zh", ["tips"]),
        new("join by full-width keyword and digit", [Says("ＪＯＩＮ　４", "Mental health support")], "active", "en", ["mental-health"]),
        new("join by English name", [Says("JOIN mental health", "Mental health support")], "active", "en", ["mental-health"]),
        new("join by Chinese name", [Says("订阅 心理关怀", "心理关怀")], "active", "zh", ["mental-health"]),
        new("join by Chinese alias with words after it", [Says("订阅每日提示", "每日健康小贴士")], "active", "zh", ["tips"]),
        new("join by key", [Says("join notices", "Prevention notices")], "active", "en", ["notices"]),
        new("join twice", [Says("JOIN 1", "You will receive"), Says("JOIN 1", "You already receive Prevention notices")], "active", "en", ["notices"]),
        new("join an unknown topic: the topic list, nothing done", [Says("JOIN 55", "We have no topic \"55\". Topics: 1 Prevention notices")], "active", "en", []),
        new("join with a typo in the keyword", [Says("JIOn 2", "We read \"JION\" as JOIN. You will receive Daily health tip")], "active", "en", ["tips"]),
        new("leave by number", [Says("JOIN 2", "Daily"), Says("JOIN 3", "lessons"), Says("STOP 2", "You will no longer receive Daily health tip. Reply JOIN 2")],
            "active", "en", ["lessons"]),
        new("leave by Chinese name", [Says("订阅 1", "防疫通知"), Says("退订 防疫通知", "您将不再收到防疫通知")], "active", "zh", []),
        new("leave a topic not joined", [Says("订阅 1", "防疫通知"), Says("退订 2", "您没有订阅每日健康小贴士。已订阅：防疫通知")], "active", "zh", ["notices"]),
        new("leave an unknown topic: the topic list, never a silent opt-out", [Says("JOIN 1", "notices"), Says("stop by later", "We have no topic \"by later\"")],
            "active", "en", ["notices"]),
        new("STOP ALL is everything", [Says("JOIN 1", "notices"), Says("STOP ALL", OptOutEn)], "opted_out", "en", ["notices"]),

        // ---- Help, language, data, unknown ----
        new("HELP lists the topics", [Says("HELP", "Reply JOIN + number: 1 Prevention notices, 2 Daily health tip, 3 Health lessons, 4 Mental health support. STOP stops all.")],
            "active", "en", []),
        new("帮助 in Chinese", [Says("帮助", "回复 订阅+编号：1 防疫通知，2 每日健康小贴士，3 健康课堂，4 心理关怀。")], "active", "zh", []),
        new("? from a new number gets DEFAULT_LANGUAGE", [Says("?", HelpZh)], "active", "zh", []),
        new("the subscriber's language decides, not the message's", [Says("HELP", HelpEn), Says("帮助", HelpEn)], "active", "en", []),
        new("LANG ZH, then replies are Chinese", [Says("HELP", HelpEn), Says("LANG ZH", "以后用中文回复您"), Says("HELP", HelpZh)], "active", "zh", []),
        new("ENGLISH", [Says("帮助", HelpZh), Says("ENGLISH", "We will reply in English")], "active", "en", []),
        new("中文", [Says("HELP", HelpEn), Says("中文", "以后用中文回复您")], "active", "zh", []),
        new("the language already set is confirmed again", [Says("HELP", HelpEn), Says("LANG EN", "We will reply in English"), Says("ENGLISH", "We will reply in English"),
            Says("HELP", HelpEn)], "active", "en", []),
        new("LANG FR is explained", [Says("LANG FR", "Reply LANG EN for English or LANG ZH")], "active", "en", []),
        new("a first Chinese message sets Chinese", [Says("你好，请问疫苗在哪里打", "没看懂。" + HelpZh)], "active", "zh", []),
        new("MYDATA tells what we keep", [Says("JOIN 2", "tip"), Says("MYDATA", "language English, status subscribed, topics: Daily health tip")], "active", "en", ["tips"]),
        new("我的信息", [Says("我的信息", "语言中文，状态已订阅，订阅：无")], "active", "zh", []),
        new("TALK: a counsellor will contact them", [Says("TALK", "A counsellor will contact you")], "active", "en", []),
        new("倾诉", [Says("我想倾诉", "心理咨询师会尽快")], "active", "zh", []),
        new("crisis words in English", [Says("I want to kill myself", HotlineNumber)], "active", "en", []),
        new("crisis beats STOP", [Says("STOP 我想死", "400-161-9995")], "active", "zh", []),

        // ---- Misreadings found by replaying real payloads (issue 16) ----
        new("a name near JOIN reaches the inbox", [Says("John Cruz", "没看懂。" + HelpZh)], "active", "zh", []),
        new("a symptom near JOIN reaches the inbox", [Says("Joint pain since Monday", "没看懂。" + HelpZh)], "active", "zh", []),
        new("a typo of STOP alone is still acted on", [Says("JOIN 2", "Daily"), Says("Stoo", "We read \"STOO\" as STOP. " + OptOutEn)], "opted_out", "en", ["tips"]),
        new("Talk to me opens a request like TALK", [Says("Talk to me", "A counsellor will contact you")], "active", "en", []),
        new("陪我聊聊 opens a request like 倾诉", [Says("陪我聊聊", "心理咨询师会尽快")], "active", "zh", []),

        // ---- The consent rule: joining one topic while opted out gives that topic only (docs/inbound.md) ----
        new("JOIN <topic> after STOP gives that topic only; START would have restored the others", [Says("JOIN 2", "Daily"), Says("JOIN 3", "lessons"),
            Says("STOP", OptOutEn), Says("JOIN 4", "You will receive Mental health support. Your topics: Mental health support.")], "active", "en", ["mental-health"]),
        new("NEXT without a course: how to join one", [Says("NEXT", "You are not on a course. Reply JOIN + number: 11 Hygiene for children")], "active", "en", []),
    }.Select((c, i) => c with { Index = i }).ToArray();

    public static TheoryData<Case> Cases => new(AllCases);

    [Theory, MemberData(nameof(Cases))]
    public async Task Conversation(Case c)
    {
        foreach (var (step, n) in c.Steps.Select((s, n) => (s, n + 1)))
        {
            var reply = await _twilio.SendAsync(c.Phone, step.Send);
            if (step.Reply is null)
                Assert.True(reply is null, $"step {n} \"{step.Send}\": expected no reply, got \"{reply}\"");
            else
                Assert.True(reply?.Contains(step.Reply, StringComparison.Ordinal) == true, $"step {n} \"{step.Send}\": expected \"{step.Reply}\" in \"{reply}\"");
        }

        var (status, language) = await app.QuerySingleAsync<(string, string)>("SELECT status, language FROM subscribers WHERE phone = @Phone", new { c.Phone });
        var topics = await app.QueryAsync<string>(
            "SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @Phone ORDER BY t.topic", new { c.Phone });
        Assert.Equal((c.Status, c.Language, string.Join(",", c.Topics.Order())), (status, language, string.Join(",", topics)));
        Assert.Equal(c.Steps.Length, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM inbound_messages WHERE from_phone = @Phone AND handled_at IS NOT NULL", new { c.Phone }));
    }

    // Every message we do not understand is answered with the menu, so it must cost one segment, not two.
    [Theory]
    [InlineData("+8613800000110", "hello there", "没看懂。")]
    [InlineData("+8613800000111", "HELP", "Reply JOIN")]
    [InlineData("+8613800000112", "LANG EN|what is this", "Not understood.")]
    [InlineData("+8613800000113", "帮助", "回复 订阅")]
    public async Task MenuReplies_AreOneSegment(string phone, string bodies, string expected)
    {
        string? reply = null;
        foreach (var body in bodies.Split('|'))
            reply = await _twilio.SendAsync(phone, body);
        Assert.StartsWith(expected, reply);
        var measured = Gateway.Delivery.Encoding.SegmentCalculator.Measure(reply!);
        Assert.True(measured.Segments == 1, $"{measured.Segments} segments ({measured.Encoding}, {measured.Units} units): {reply}");
    }

    [Fact]
    public void CaseLabels_AreUnique() => Assert.Empty(AllCases.GroupBy(c => c.Label).Where(g => g.Count() > 1).Select(g => g.Key));

    [Fact]
    public async Task ConsentLedger_RecordsEveryOptOutAndOptIn_WithTheTextAsReceived()
    {
        const string phone = "+8613800000101";
        foreach (var body in new[] { "JOIN 2", " STOP please ", "hello", "START", "退订 2" })
            await _twilio.SendAsync(phone, body);

        var ledger = await app.QueryAsync<(string Action, string Scope, string Keyword, string Channel)>(
            "SELECT action, scope, keyword, channel FROM consent_events WHERE phone = @phone ORDER BY id", new { phone });

        Assert.Equal(new[]
        {
            ("opt_in", "tips", "JOIN 2", "sms"),
            ("opt_out", "all", "STOP please", "sms"),
            ("opt_in", "all", "START", "sms"),
            ("opt_out", "tips", "退订 2", "sms"),
        }, ledger);
    }

    [Fact]
    public async Task JoiningOneTopicWhileOptedOut_LedgersTheTopicsLeft()
    {
        const string phone = "+8613800000105";
        foreach (var body in new[] { "JOIN 2", "STOP", "JOIN 4" })
            await _twilio.SendAsync(phone, body);

        var ledger = await app.QueryAsync<(string Action, string Scope, string Keyword)>(
            "SELECT action, scope, keyword FROM consent_events WHERE phone = @phone ORDER BY id", new { phone });

        Assert.Equal(new[]
        {
            ("opt_in", "tips", "JOIN 2"),
            ("opt_out", "all", "STOP"),
            ("opt_in", "all", "JOIN 4"),
            ("opt_out", "tips", "JOIN 4"),
            ("opt_in", "mental-health", "JOIN 4"),
        }, ledger);
    }

    [Theory]
    [InlineData("+8613800000211", "Talk to me", "talk")]
    [InlineData("+8613800000212", "陪我聊聊", "talk")]
    [InlineData("+8613800000213", "John Cruz", "unknown")]
    [InlineData("+8613800000214", "Joint pain since Monday", "unknown")]
    public async Task EverydayWords_AreStoredWithTheirReading_AndAPersonIsAskedForWhenTheyAskForOne(string phone, string body, string intent)
    {
        await _twilio.SendAsync(phone, body);

        Assert.Equal(intent, await app.QuerySingleAsync<string>("SELECT intent FROM inbound_messages WHERE from_phone = @phone", new { phone }));
        Assert.Equal(intent == "talk" ? 1 : 0, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM support_requests WHERE phone = @phone AND reason = 'talk'", new { phone }));
    }

    [Theory]
    [InlineData("+8613800000102", false)]
    [InlineData("+8613800000104", true)]
    public async Task Crisis_OpensOneHighPrioritySupportRequest_EvenWhenTheWebhookIsRetried(string phone, bool retryReachesAnotherProcess)
    {
        var form = TwilioSms.Form(phone, "我想死");

        var first = await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync();
        var again = await (await TwilioSms.To(app, retryReachesAnotherProcess).PostAsync(form)).Content.ReadAsStringAsync();

        Assert.Equal(first, again);
        var requests = await app.QueryAsync<(string Priority, string Reason, string Status)>(
            "SELECT priority, reason, status FROM support_requests WHERE phone = @phone", new { phone });
        Assert.Equal([("high", "crisis", "open")], requests);
    }

    [Fact]
    public async Task Talk_OpensANormalSupportRequest_AlsoForAnOptedOutNumber()
    {
        const string phone = "+8613800000103";
        await _twilio.SendAsync(phone, "TD");
        await _twilio.SendAsync(phone, "倾诉");

        Assert.Equal([("normal", "talk")], await app.QueryAsync<(string, string)>(
            "SELECT priority, reason FROM support_requests WHERE phone = @phone", new { phone }));
    }
}

/// <summary>Messages handled at the same time, a message stored by a delivery that died before handling it, and
/// numbers whose record the gateway remembers (SenderCache) when something else changed it.</summary>
public sealed class InboundConcurrencyTests(TwilioWebhookApp app) : IClassFixture<TwilioWebhookApp>
{
    private readonly TwilioSms _twilio = new(app);

    [Fact]
    public async Task ManySTOPsAtOnce_FromOneNumber_GetExactlyOneConfirmation()
    {
        const string phone = "+8613800000301";
        await _twilio.SendAsync(phone, "JOIN 2");

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _twilio.SendAsync(phone, "STOP")));

        Assert.Single(replies, r => r is not null);
        Assert.Equal(8, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM consent_events WHERE phone = @phone AND action = 'opt_out'", new { phone }));
        Assert.Equal(9, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE from_phone = @phone AND handled_at IS NOT NULL", new { phone }));
    }

    [Fact]
    public async Task FirstMessagesAtOnce_FromANewNumber_CreateOneSubscriber_AndAllAreHandled()
    {
        const string phone = "+8613800000302";

        var replies = await Task.WhenAll(Enumerable.Range(1, 4).Select(n => _twilio.SendAsync(phone, $"JOIN {n}")));

        Assert.All(replies, r => Assert.NotNull(r));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal(["lessons", "mental-health", "notices", "tips"], await app.QueryAsync<string>(
            "SELECT topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @phone ORDER BY topic", new { phone }));
    }

    [Fact]
    public async Task AMessageStoredButNeverHandled_IsHandledWhenTwilioRetries()
    {
        // A delivery that stored the message and then died (process killed): the row exists, unhandled.
        const string phone = "+8613800000303";
        var form = TwilioSms.Form(phone, "退订");
        await app.QuerySingleAsync<long>("""
            INSERT INTO inbound_messages (provider, provider_message_id, from_phone, body, received_at)
            VALUES ('twilio', @sid, @phone, '退订', now()) RETURNING id
            """, new { sid = form["MessageSid"], phone });

        var reply = TwilioSms.ReplyIn(await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync());

        Assert.Contains("您已退订全部消息", reply);
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE from_phone = @phone", new { phone }));
    }
    [Fact]
    public async Task ARememberedNumber_OptedOutElsewhere_GetsNoReply()
    {
        // The number's record is remembered after a message that changed nothing; then another process (USSD, an
        // official) opts it out. The next message must see the opt-out, not the remembered record.
        const string phone = "+8613800000304";
        await _twilio.SendAsync(phone, "HELP");
        await _twilio.SendAsync(phone, "hello");
        await app.QuerySingleAsync<int>("UPDATE subscribers SET status = 'opted_out', opted_out_at = now() WHERE phone = @phone RETURNING 1", new { phone });

        Assert.Null(await _twilio.SendAsync(phone, "what is this"));
        Assert.Contains("You are unsubscribed and get no messages", await _twilio.SendAsync(phone, "帮助"));
    }

    [Fact]
    public async Task ARememberedNumber_WhoseTopicsChangedElsewhere_IsAnsweredFromTheDatabase()
    {
        const string phone = "+8613800000305";
        await _twilio.SendAsync(phone, "订阅 2");
        await _twilio.SendAsync(phone, "帮助");   // remembered now, with topic tips
        await app.QuerySingleAsync<int>(
            "DELETE FROM subscriptions WHERE subscriber_id = (SELECT id FROM subscribers WHERE phone = @phone) RETURNING 1", new { phone });

        Assert.Contains("您没有订阅每日健康小贴士", await _twilio.SendAsync(phone, "退订 2"));
    }

    [Theory]
    [InlineData("+8613800000306", false)]
    [InlineData("+8613800000310", true)]
    public async Task ARememberedNumber_RetriedMessage_SameReply_StoredOnce(string phone, bool retryReachesAnotherProcess)
    {
        await _twilio.SendAsync(phone, "HELP");
        var form = TwilioSms.Form(phone, "where do I get tested");

        var first = await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync();
        var again = await (await TwilioSms.To(app, retryReachesAnotherProcess).PostAsync(form)).Content.ReadAsStringAsync();

        Assert.Equal(first, again);
        Assert.Contains("Not understood", first);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE provider_message_id = @sid", new { sid = form["MessageSid"] }));
    }

    [Theory]
    [InlineData("+8613800000309", false)]
    [InlineData("+8613800000311", true)]
    public async Task ARememberedNumber_RetriedSTOP_SameReply_OneLedgerRow_StoredOnce(string phone, bool retryReachesAnotherProcess)
    {
        await _twilio.SendAsync(phone, "HELP");   // remembered: the STOP is decided before it is stored
        var form = TwilioSms.Form(phone, "STOP");

        var first = await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync();
        var again = await (await TwilioSms.To(app, retryReachesAnotherProcess).PostAsync(form)).Content.ReadAsStringAsync();

        Assert.Equal(first, again);
        Assert.Contains("You are unsubscribed from all messages", first);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM consent_events WHERE phone = @phone AND action = 'opt_out'", new { phone }));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE provider_message_id = @sid", new { sid = form["MessageSid"] }));
    }

    [Fact]
    public async Task WhenHandlingFails_TheMessageIsStillStored_AndShownAsUnhandled()
    {
        // A fault while handling (here the ledger refuses this number) must not lose what the resident sent.
        const string phone = "+8613800000308";
        await _twilio.SendAsync(phone, "HELP");   // remembered: the next message takes the one-transaction path
        await app.QuerySingleAsync<int>("""
            CREATE FUNCTION refuse_ledger_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.phone = '+8613800000308' THEN RAISE EXCEPTION 'ledger refused'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_ledger_for_test BEFORE INSERT ON consent_events FOR EACH ROW EXECUTE FUNCTION refuse_ledger_for_test();
            SELECT 1;
            """);

        var response = await _twilio.PostAsync(TwilioSms.Form(phone, "STOP"));

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);   // Twilio logs it; the message is kept
        Assert.Equal(("STOP", (DateTime?)null), await app.QuerySingleAsync<(string, DateTime?)>(
            "SELECT body, handled_at FROM inbound_messages WHERE from_phone = @phone ORDER BY received_at DESC, id DESC LIMIT 1", new { phone }));
    }

    [Fact]
    public async Task ARememberedNumber_ManyMessagesAtOnce_AllStoredAndHandled_OneConfirmation()
    {
        const string phone = "+8613800000307";
        await _twilio.SendAsync(phone, "HELP");

        var replies = await Task.WhenAll(new[] { "hello", "STOP", "HELP", "what", "STOP", "thanks" }.Select(b => _twilio.SendAsync(phone, b)));

        Assert.Single(replies, r => r?.StartsWith("You are unsubscribed from all messages", StringComparison.Ordinal) == true);
        Assert.Equal(7, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE from_phone = @phone AND handled_at IS NOT NULL", new { phone }));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
    }
}

/// <summary>CRISIS_HOTLINES decides the numbers a crisis reply gives.</summary>
public sealed class ConfiguredHotlinesTests(ConfiguredHotlinesTests.App app) : IClassFixture<ConfiguredHotlinesTests.App>
{
    public sealed class App : TwilioWebhookApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["CRISIS_HOTLINES"] = "027-85844666 (武汉心理援助热线 Wuhan)";
        }
    }

    [Theory]
    [InlineData("+8613800000401", "我想自杀", "你并不孤单。请马上拨打：027-85844666 (武汉心理援助热线 Wuhan)。")]
    [InlineData("+8613800000402", "I want to end my life", "You are not alone. Please call now: 027-85844666 (武汉心理援助热线 Wuhan).")]
    public async Task CrisisReply_GivesTheConfiguredNumbers(string phone, string body, string expectedStart)
    {
        var reply = await new TwilioSms(app).SendAsync(phone, body);
        Assert.StartsWith(expectedStart, reply);
    }
}
