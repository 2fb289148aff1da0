using Gateway.Delivery;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Gateway.Ussd;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Providers.AfricasTalking;

/// <summary>USSD sessions end to end: Africa's Talking-shaped form requests over HTTP, a real database, the fake clock.</summary>
public sealed class AfricasTalkingUssdTests(AfricasTalkingUssdTests.EnglishApp app) : IClassFixture<AfricasTalkingUssdTests.EnglishApp>
{
    /// <summary>English by default so that the assertions read as what a resident sees; one test checks Chinese.</summary>
    public sealed class EnglishApp : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["DEFAULT_LANGUAGE"] = "en";
    }

    private readonly HttpClient _client = app.AdminClient();

    private UssdSession Session(string phone) => new(_client, phone);

    private UssdMenu Menu => app.Services.GetRequiredService<UssdMenu>();

    [Fact]
    public async Task FullSession_SubscribesToATopic_LedgeredWithChannelUssd()
    {
        var s = Session("+8613800000101");
        Assert.StartsWith("CON Health line\n1 Today's tip", await s.Dial());
        Assert.StartsWith("CON My subscriptions", await s.Press("3"));
        Assert.Contains("\n2 Daily health tip: OFF\n", await s.Press("1"));

        var topics = await s.Press("2");

        Assert.StartsWith("CON Choose a topic", topics);
        Assert.Contains("\n2 Daily health tip: ON\n", topics);
        Assert.Equal("en", await app.QuerySingleAsync<string>("SELECT language FROM subscribers WHERE phone = '+8613800000101'"));
        Assert.Equal(["tips"], await app.QueryAsync<string>(
            "SELECT topic FROM subscriptions JOIN subscribers s ON s.id = subscriber_id WHERE s.phone = '+8613800000101'"));
        var ledger = await app.QueryAsync<(string Action, string Scope, string Channel, string Keyword)>(
            "SELECT action, scope, channel, keyword FROM consent_events WHERE phone = '+8613800000101'");
        Assert.Equal([("opt_in", "tips", "ussd", "ussd menu")], ledger);

        // Africa's Talking retries a step it got no answer to: same screen, nothing done twice.
        Assert.Equal(topics, await s.Send(s.History));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*) FROM consent_events WHERE phone = '+8613800000101'"));

        // And off again.
        Assert.Contains("\n2 Daily health tip: OFF\n", await s.Press("2"));
        Assert.Empty(await app.QueryAsync<string>(
            "SELECT topic FROM subscriptions JOIN subscribers s ON s.id = subscriber_id WHERE s.phone = '+8613800000101'"));
    }

    [Theory]
    [InlineData("+254000000001", "+254000000001")]   // Africa's Talking's sandbox: possible, not "valid" for libphonenumber
    [InlineData("256772000001", "+256772000001")]     // an aggregator that leaves out the '+'
    public async Task NumbersTheNetworkDialledFrom_AreServed_NotRefused(string sent, string stored)
    {
        var s = Session(sent);
        Assert.StartsWith("CON Health line", await s.Dial());
        Assert.StartsWith("CON My subscriptions", await s.Press("3"));
        await s.Press("1");
        await s.Press("2");

        Assert.Equal(["tips"], await app.QueryAsync<string>(
            "SELECT topic FROM subscriptions JOIN subscribers s ON s.id = subscriber_id WHERE s.phone = @stored", new { stored }));
    }

    [Fact]
    public async Task FullSession_IsVisibleInTheAdminApi()
    {
        var s = Session("+8613800000102");
        await s.Dial();
        await s.Send("3*1*2");

        var subscriber = await app.AdminClient().GetFromJsonAsync<JsonElement>("/api/subscribers/%2B8613800000102");

        Assert.Contains("tips", subscriber.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task CounsellorCallback_JoinsTheCounsellorsQueue_Once()
    {
        var s = Session("+8613800000110");
        await s.Dial();
        Assert.StartsWith("CON A counsellor can call you back", await s.Press("4"));
        Assert.StartsWith("END Thank you. A counsellor will call you back", await s.Press("1"));
        var again = Session("+8613800000110");
        await again.Dial();
        await again.Send("4*1");

        var queue = await app.AdminClient().GetFromJsonAsync<JsonElement>("/api/support/requests?status=open");
        // Counsellors see the number masked (docs/support.md).
        var mine = queue.EnumerateArray().Where(r => r.GetProperty("phone").GetString() == Gateway.Phones.Phone.Mask("+8613800000110")).ToList();
        Assert.Single(mine);
        Assert.Equal("callback", mine[0].GetProperty("reason").GetString());
        Assert.Equal("ussd", mine[0].GetProperty("channel").GetString());
    }

    [Fact]
    public async Task InvalidInput_ShowsTheSameScreenWithAnErrorLine_AndKeepsThePlace()
    {
        var s = Session("+8613800000103");
        await s.Dial();
        var subscriptions = await s.Press("3");

        Assert.Equal("CON Wrong choice.\n" + subscriptions["CON ".Length..], await s.Press("9"));
        Assert.Equal("CON Wrong choice.\n" + subscriptions["CON ".Length..], await s.Press("abc"));
        Assert.StartsWith("CON Choose a topic", await s.Press("1"));
        Assert.Equal(subscriptions, await s.Press("0"));
        Assert.StartsWith("CON Health line", await s.Press("00"));
    }

    [Fact]
    public async Task Redial_WithinFiveMinutes_OffersToContinue_AndNotAfter()
    {
        const string phone = "+8613800000104";
        var first = Session(phone);
        await first.Dial();
        await first.Press("3");
        var topics = await first.Press("1");

        app.Clock.Advance(TimeSpan.FromMinutes(4));
        var second = Session(phone);
        Assert.Equal("CON Welcome back.\n1 Continue where you left off\n2 Start over", await second.Dial());
        Assert.Equal(topics, await second.Press("1"));
        Assert.NotNull(await app.QuerySingleAsync<DateTime?>("SELECT ended_at FROM ussd_sessions WHERE session_id = @Id", new { first.Id }));

        // The second session broke off too: "start over" from the third, then nothing more to offer.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var third = Session(phone);
        Assert.StartsWith("CON Welcome back.", await third.Dial());
        Assert.StartsWith("CON Health line", await third.Press("2"));

        await third.Press("5");
        app.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.StartsWith("CON Health line", await Session(phone).Dial());
    }

    [Fact]
    public async Task Redial_AfterTheMenuEnded_DoesNotOfferToContinue()
    {
        const string phone = "+8613800000105";
        var first = Session(phone);
        await first.Dial();
        Assert.StartsWith("END ", await first.Send("4*1"));

        Assert.StartsWith("CON Health line", await Session(phone).Dial());
    }

    [Fact]
    public async Task DeleteMyData_RemovesEverything_ButTheOptOutProof()
    {
        const string phone = "+8613800000106";
        var s = Session(phone);
        await s.Dial();
        await s.Send("3*1*1");
        await s.Press("2");
        await s.Press("00");
        var inbound = await _client.PostAsJsonAsync("/api/simulator/inbound", new { from = phone, body = "hello" });
        Assert.Equal(HttpStatusCode.OK, inbound.StatusCode);
        var talk = Session(phone);
        await talk.Dial();
        await talk.Send("4*1");
        await using (var conn = await app.OpenDatabaseAsync())
            await app.Services.GetRequiredService<Outbox>().EnqueueAsync(conn, null,
                new OutboundMessage(phone, "Tip: open a window.", MessageKinds.Tip, MessagePriority.Bulk), CancellationToken.None);
        var hash = Subscribers.PhoneHash(phone);

        var delete = Session(phone);
        await delete.Dial();
        Assert.StartsWith("CON Delete your number", await delete.Send("5*3"));
        var done = await delete.Press("1");

        Assert.Equal("END " + Menu.Menus.Outcomes["delete-my-data"]["deleted"].End!.En, done);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM inbound_messages WHERE from_phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM simulator_messages WHERE to_phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM ussd_sessions WHERE phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM consent_events WHERE phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM support_requests WHERE phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM outbound_messages WHERE recipient = @phone", new { phone }));

        // What is left: the opt-out, as the number's hash and the time, and when the data was deleted.
        var proof = await app.QueryAsync<(string Action, string Scope, string? Phone, long? SubscriberId, DateTime OccurredAt)>(
            "SELECT action, scope, phone, subscriber_id, occurred_at FROM consent_events WHERE phone_hash = @hash", new { hash });
        var optOut = Assert.Single(proof);
        Assert.Equal(("opt_out", "all", null, null), (optOut.Action, optOut.Scope, optOut.Phone, optOut.SubscriberId));
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, optOut.OccurredAt);
        Assert.Equal("ussd", await app.QuerySingleAsync<string>("SELECT channel FROM data_erasures WHERE phone_hash = @hash", new { hash }));

        // A retry of the last step finds nothing more to delete and stores nothing again.
        Assert.StartsWith("END ", await delete.Send(delete.History));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM ussd_sessions WHERE phone = @phone", new { phone }));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM subscribers WHERE phone = @phone", new { phone }));
    }

    [Fact]
    public async Task DeleteMyData_ForANumberWeDoNotKnow_SaysSo()
    {
        var s = Session("+8613800000107");
        Assert.StartsWith("CON We keep no data about +86138****0107.", await s.Send("5"));
        Assert.Equal("END " + Menu.Menus.Outcomes["delete-my-data"]["deleted"].End!.En, await s.Send("5*3*1"));

        // The only thing stored was this session; a second request finds nothing.
        var again = Session("+8613800000107");
        Assert.Equal("END " + Menu.Menus.Outcomes["delete-my-data"]["nothing"].End!.En, await again.Send("5*3*1"));
    }

    [Fact]
    public async Task OptedOut_CanStillRead_AndOptsBackInOnlyByAnExplicitYes()
    {
        const string phone = "+8613800000108";
        var s = Session(phone);
        await s.Dial();
        await s.Send("3*1*1");
        Assert.Equal("END " + Menu.Menus.Outcomes["opt-out-all"]["done"].End!.En, await s.Send("3*1*1*00*5*2*1"));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));

        var later = Session(phone);
        await later.Dial();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var tip = Menu.Content.Tips[Gateway.Lessons.DailyTips.IndexForDay(today, Menu.Content.Tips.Count)].En;
        Assert.Equal($"CON {tip}\n0 Back", await later.Press("1"));
        await later.Press("0");
        await later.Press("3");
        var topics = await later.Press("1");
        Assert.Contains("1 Prevention notices: OFF", topics);

        Assert.Equal("CON You stopped all messages before. Start again with Daily health tip?\n1 Yes, start again\n0 Back", await later.Press("2"));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
        var back = await later.Press("1");

        Assert.StartsWith("CON Welcome back: Daily health tip ON\nChoose a topic", back);
        Assert.Contains("\n1 Prevention notices: OFF\n2 Daily health tip: ON\n", back);
        Assert.Equal("active", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal(["tips"], await app.QueryAsync<string>(
            "SELECT topic FROM subscriptions JOIN subscribers s ON s.id = subscriber_id WHERE s.phone = @phone", new { phone }));
        var ledger = await app.QueryAsync<(string Action, string Scope, string Channel)>(
            "SELECT action, scope, channel FROM consent_events WHERE phone = @phone ORDER BY id", new { phone });
        Assert.Equal([
            ("opt_in", "notices", "ussd"),
            ("opt_out", "all", "ussd"),
            ("opt_in", "all", "ussd"),
            ("opt_out", "notices", "ussd"),
            ("opt_in", "tips", "ussd"),
        ], ledger);
    }

    [Fact]
    public async Task Language_FollowsTheSubscriber_AndTheSwitchIsStored()
    {
        const string phone = "+8613800000109";
        var s = Session(phone);
        await s.Dial();
        await s.Send("3*1*1");
        await s.Send("3*1*1*00");
        Assert.Equal(Menu.Show(UssdState.At("zh", "main"), UssdFacts.Unknown(phone, "zh", default)).Text, (await s.Press("6"))["CON ".Length..]);
        Assert.Equal("zh", await app.QuerySingleAsync<string>("SELECT language FROM subscribers WHERE phone = @phone", new { phone }));

        // The next session opens in the subscriber's language; DEFAULT_LANGUAGE is en here.
        Assert.StartsWith("CON 健康服务热线", await Session(phone).Dial());
    }

    [Fact]
    public async Task TipHour_IsStored()
    {
        const string phone = "+8613800000110";
        var s = Session(phone);
        await s.Dial();
        Assert.Contains("\n13 20:00\n", await s.Send("3*3"));
        Assert.StartsWith("CON Tips and lessons now at 20:00\nMy subscriptions", await s.Press("13"));
        Assert.Equal(20, await app.QuerySingleAsync<int>("SELECT delivery_hour FROM subscribers WHERE phone = @phone", new { phone }));
    }

    [Fact]
    public async Task Counsellor_Lessons_AndTip_WorkForAnyone()
    {
        var s = Session("+8613800000111");
        await s.Dial();
        Assert.Contains("120", await s.Send("4*1"));
        Assert.StartsWith("END You joined Hygiene for children: one lesson a day at 8:00.", await Session("+8613800000111").Send("2*1*1"));
        Assert.StartsWith("CON Teach children handwashing", await Session("+8613800000111").Send("2*1"));
    }

    [Theory]
    [InlineData("+254711000001", "+254711000001")]
    [InlineData("13800000112", "+8613800000112")]
    public async Task PhoneNumber_KeepsItsOwnCountryCode_ElseDefaultRegion(string sent, string stored)
    {
        var s = Session(sent);
        await s.Dial();
        Assert.Equal(stored, await app.QuerySingleAsync<string>("SELECT phone FROM ussd_sessions WHERE session_id = @Id", new { s.Id }));
    }

    public sealed record Malformed(string Label, string? Before, string Text)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Malformed> MalformedTexts => new()
    {
        new("a control character on the dial", null, "1\u0001"),
        new("an absurdly long history", null, string.Join('*', Enumerable.Repeat("12", 400))),
        new("one input far too long", "", new string('9', 50)),
        new("a history that does not continue the session's", "3*1", "2*2*2"),
        new("a history that went backwards", "3*1", "3"),
    };

    [Theory, MemberData(nameof(MalformedTexts))]
    public async Task MalformedText_GetsAPoliteEnd_NeverAnError(Malformed c)
    {
        var s = Session("+8613800000113");
        if (c.Before is not null)
        {
            await s.Dial();
            if (c.Before.Length > 0) await s.Send(c.Before);
        }

        Assert.Equal("END " + Menu.Menus.Words.Malformed!.En, await s.Send(c.Text));
        if (c.Before is not null)
            Assert.NotNull(await app.QuerySingleAsync<DateTime?>("SELECT ended_at FROM ussd_sessions WHERE session_id = @Id", new { s.Id }));
    }

    [Fact]
    public async Task ASessionIdFromAnotherNumber_IsRefusedPolitely()
    {
        var mine = Session("+8613800000114");
        await mine.Dial();
        var other = new UssdSession(_client, "+8613800000115", mine.Id);
        Assert.StartsWith("END ", await other.Send("1"));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM ussd_sessions WHERE phone = '+8613800000115'"));
    }

    public sealed record BadRequest(string Label, string? Remove, string? Field, string? Value, string? ContentType, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<BadRequest> BadRequests => new()
    {
        new("sessionId missing", "sessionId", null, null, null, HttpStatusCode.BadRequest, "sessionId: required"),
        new("serviceCode missing", "serviceCode", null, null, null, HttpStatusCode.BadRequest, "serviceCode: required"),
        new("phoneNumber missing", "phoneNumber", null, null, null, HttpStatusCode.BadRequest, "phoneNumber: required"),
        new("text missing", "text", null, null, null, HttpStatusCode.BadRequest, "text: required"),
        new("networkCode missing is fine", "networkCode", null, null, null, HttpStatusCode.OK, "CON "),
        new("phoneNumber not a number", null, "phoneNumber", "mum", null, HttpStatusCode.BadRequest, "phoneNumber: not a phone number"),
        new("sessionId empty", null, "sessionId", "", null, HttpStatusCode.BadRequest, "sessionId: required"),
        new("sessionId absurd", null, "sessionId", new string('s', 200), null, HttpStatusCode.BadRequest, "sessionId: at most 128"),
        new("JSON instead of a form", null, null, null, "application/json", HttpStatusCode.UnsupportedMediaType, "application/x-www-form-urlencoded"),
        new("a body over 8 KiB", null, "text", new string('1', 9000), null, HttpStatusCode.RequestEntityTooLarge, "limit is 8192"),
    };

    [Theory, MemberData(nameof(BadRequests))]
    public async Task BadRequest_GetsAReason_NeverA500(BadRequest c)
    {
        var form = new UssdSession(_client, "+8613800000116").Form("");
        if (c.Remove is not null) form.Remove(c.Remove);
        if (c.Field is not null) form[c.Field] = c.Value!;

        var response = c.ContentType is null
            ? await UssdSession.Post(_client, form)
            : await _client.PostAsync(UssdSession.Path, new StringContent("{\"sessionId\":\"x\"}", System.Text.Encoding.UTF8, c.ContentType));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(c.Status, response.StatusCode);
        Assert.True(body.Contains(c.Detail), $"expected \"{c.Detail}\" in {body}");
    }

    [Fact]
    public async Task SimulatorPage_IsServed_AndLinkedFromTheSmsSimulator()
    {
        var page = await _client.GetStringAsync("/simulator/ussd");
        Assert.Contains(UssdSession.Path, page);
        Assert.Contains("/simulator/ussd", await _client.GetStringAsync("/simulator"));
    }

    [Fact]
    public async Task PurgeJob_DeletesSessionsADayOld()
    {
        var old = Session("+8613800000117");
        await old.Dial();
        app.Clock.Advance(PurgeUssdSessionsJob.KeepFor + TimeSpan.FromMinutes(1));
        var recent = Session("+8613800000117");
        await recent.Dial();

        await ActivatorUtilities.CreateInstance<PurgeUssdSessionsJob>(app.Services).RunAsync(CancellationToken.None);

        var left = await app.QueryAsync<string>("SELECT session_id FROM ussd_sessions WHERE phone = '+8613800000117'");
        Assert.Equal([recent.Id], left);
    }
}
