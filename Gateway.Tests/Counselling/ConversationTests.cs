using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Counselling;

/// <summary>
/// A support request becomes a conversation, over signed Twilio webhooks, the API and the simulator as the resident's
/// phone: claim, the claim SMS in the resident's language, replies at the highest priority with their delivery status,
/// the resident's answers going to the counsellor with no automatic reply, STOP, crisis words, closing.
/// </summary>
public sealed class ConversationTests(CounsellingApp app) : IClassFixture<CounsellingApp>
{
    private const string ClaimedEn = "A counsellor is here for you now";
    private const string ClaimedZh = "心理咨询师现在在这里陪您";
    private const string ClosedEn = "Text TALK to this number whenever you want to talk again";
    private const string OptedOutEn = "You are unsubscribed from all messages";

    [Fact]
    public async Task Talk_Claim_Reply_AnswersGoToTheConversation_ThenStopOptsOutAndCloses()
    {
        var phone = CounsellingApp.NewPhone();
        Assert.Contains("A counsellor will contact you", await app.Resident.SendAsync(phone, "TALK"));
        // Before a claim, keywords still work.
        Assert.Contains("Reply JOIN + number", await app.Resident.SendAsync(phone, "HELP"));
        var id = await app.RequestIdAsync(phone);

        var claim = await app.ClaimAsync(id);
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        var claimed = JsonDocument.Parse(await claim.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("claimed", "lin", $"Resident {id:D4}"), (claimed.GetProperty("status").GetString(), claimed.GetProperty("claimedBy").GetString(),
            claimed.GetProperty("name").GetString()));
        Assert.Contains(await app.ReceivedAsync(phone), m => m.StartsWith(ClaimedEn, StringComparison.Ordinal));

        var reply = await app.ReplyAsync(id, "Hello, I am Lin. How are you feeling today?");
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var queued = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("queued", 1), (queued.GetProperty("status").GetString(), queued.GetProperty("segments").GetInt32()));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT priority FROM outbound_messages WHERE id = @id", new { id = queued.GetProperty("messageId").GetInt64() }));
        Assert.Contains("Hello, I am Lin. How are you feeling today?", await app.ReceivedAsync(phone));

        // Whatever the resident writes now goes to the counsellor, keywords and menu digits included, with no reply at all.
        foreach (var text in new[] { "not good", "help", "1", "JOIN 2", "我想聊聊" })
            Assert.Null(await app.Resident.SendAsync(phone, text));
        Assert.Empty(await app.QueryAsync<string>("SELECT topic FROM subscriptions s JOIN subscribers r ON r.id = s.subscriber_id WHERE r.phone = @phone", new { phone }));

        // Each of ours with its delivery status: handed to the provider (sent), or delivered once its report was applied.
        Assert.Equal([
            "in: TALK",
            $"out: {ClaimedEn}. Reply to this number to talk; only the counselling team reads it. Reply STOP to stop all messages. (handed over)",
            "out: Hello, I am Lin. How are you feeling today? (handed over)",
            "in: not good", "in: help", "in: 1", "in: JOIN 2", "in: 我想聊聊",
        ], (await app.ConversationAsync(id)).Select(l => l.Replace("(sent)", "(handed over)").Replace("(delivered)", "(handed over)")));

        // STOP still opts out, and closes the conversation, saying why.
        Assert.Equal(OptedOutEn, (await app.Resident.SendAsync(phone, "STOP"))?[..OptedOutEn.Length]);
        var closed = await app.JsonAsync($"/api/support/requests/{id}");
        Assert.Equal(("closed", "opted_out"), (closed.GetProperty("status").GetString(), closed.GetProperty("outcome").GetString()));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal("in: STOP", (await app.ConversationAsync(id))[^1]);
        Assert.Equal(HttpStatusCode.Conflict, (await app.ReplyAsync(id, "Are you still there?")).StatusCode);
    }

    [Fact]
    public async Task AfterTheCounsellorCloses_KeywordsWorkAgain_AndTheResidentIsToldHowToComeBack()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        Assert.Equal(HttpStatusCode.OK, (await app.ClaimAsync(id)).StatusCode);
        Assert.Null(await app.Resident.SendAsync(phone, "HELP"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.CloseAsync(id, null)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.CloseAsync(id, "opted_out")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.CloseAsync(id, "resolved", token: CounsellingApp.ChenToken)).StatusCode);
        var close = await app.CloseAsync(id, "resolved", "Talked through the week; will text again.");
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.Equal("resolved", JsonDocument.Parse(await close.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await app.CloseAsync(id, "resolved")).StatusCode);

        Assert.Contains(await app.ReceivedAsync(phone), m => m.Contains(ClosedEn, StringComparison.Ordinal));
        Assert.Contains("Reply JOIN + number", await app.Resident.SendAsync(phone, "HELP"));
        var notes = await app.JsonAsync($"/api/support/requests/{id}/notes");
        Assert.Equal("Talked through the week; will text again.", Assert.Single(notes.EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await app.ReplyAsync(id, "One more thing")).StatusCode);
    }

    [Fact]
    public async Task TheFastPathsRememberedSender_SeesAClaimAndACloseMadeMeanwhile()
    {
        var phone = CounsellingApp.NewPhone();
        // Several messages: the number is remembered, so its next message takes the fast path with its guard.
        await app.Resident.SendAsync(phone, "JOIN 2");
        await app.Resident.SendAsync(phone, "TALK");
        Assert.Contains("Reply JOIN + number", await app.Resident.SendAsync(phone, "HELP"));
        var id = await app.RequestIdAsync(phone);

        await app.ClaimAsync(id);
        Assert.Null(await app.Resident.SendAsync(phone, "HELP"));
        Assert.Null(await app.Resident.SendAsync(phone, "NEXT"));
        await app.CloseAsync(id, "other");
        Assert.Contains("Reply JOIN + number", await app.Resident.SendAsync(phone, "HELP"));
        Assert.Equal(["in: TALK", "in: HELP", "in: NEXT"], (await app.ConversationAsync(id)).Where(l => l.StartsWith("in:", StringComparison.Ordinal)));

        // Another web process that never saw the claim answers the same way.
        var phone2 = CounsellingApp.NewPhone();
        var other = new TwilioSms(app.AnotherProcess());
        await other.SendAsync(phone2, "TALK");
        Assert.NotNull(await other.SendAsync(phone2, "HELP"));
        await app.ClaimAsync(await app.RequestIdAsync(phone2));
        Assert.Null(await other.SendAsync(phone2, "HELP"));
    }

    [Fact]
    public async Task CrisisWordsInAConversation_GetTheHotlinesAtOnce_AndFlagItCrisis_WithoutASecondRequest()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "倾诉");
        var id = await app.RequestIdAsync(phone);
        await app.ClaimAsync(id);
        Assert.Contains(await app.ReceivedAsync(phone), m => m.StartsWith(ClaimedZh, StringComparison.Ordinal));
        Assert.False((await app.JsonAsync($"/api/support/requests/{id}")).GetProperty("crisis").GetBoolean());

        Assert.Contains("12356", await app.Resident.SendAsync(phone, "我不想活了"));

        Assert.True((await app.JsonAsync($"/api/support/requests/{id}")).GetProperty("crisis").GetBoolean());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM support_requests WHERE phone = @phone", new { phone }));
        Assert.Equal("in: 我不想活了", (await app.ConversationAsync(id))[^1]);
    }

    [Fact]
    public async Task TwoCounsellorsClaimingAtOnce_OneGetsIt_TheOtherA409SayingWho()
    {
        for (var round = 0; round < 5; round++)
        {
            var phone = CounsellingApp.NewPhone();
            await app.Resident.SendAsync(phone, "TALK");
            var id = await app.RequestIdAsync(phone);

            var answers = await Task.WhenAll(app.ClaimAsync(id, CounsellingApp.LinToken), app.ClaimAsync(id, CounsellingApp.ChenToken));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
            var winner = answers[0].StatusCode == HttpStatusCode.OK ? "lin" : "chen";
            var refusal = await answers.Single(a => a.StatusCode == HttpStatusCode.Conflict).Content.ReadAsStringAsync();
            Assert.Contains($"already in a conversation with {winner}", refusal);
            Assert.Equal(1, (await app.ReceivedAsync(phone)).Count(m => m.StartsWith(ClaimedEn, StringComparison.Ordinal)));
            // Claiming again one's own is fine; replying as the other is not.
            Assert.Equal(HttpStatusCode.OK, (await app.ClaimAsync(id, winner == "lin" ? CounsellingApp.LinToken : CounsellingApp.ChenToken)).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await app.ReplyAsync(id, "hi", winner == "lin" ? CounsellingApp.ChenToken : CounsellingApp.LinToken)).StatusCode);
        }
    }

    [Fact]
    public async Task Replies_AreRefusedEmptyOrOverEightSegments_AndBeforeAClaim()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        var before = await app.ReplyAsync(id, "hello");
        Assert.Equal(HttpStatusCode.Conflict, before.StatusCode);
        Assert.Contains("claim the request first", await before.Content.ReadAsStringAsync());
        await app.ClaimAsync(id);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.ReplyAsync(id, "   ")).StatusCode);
        // 8 segments of GSM-7 are 8 × 153 = 1,224 characters; of UCS-2, 8 × 67 = 536.
        Assert.Equal(HttpStatusCode.Accepted, (await app.ReplyAsync(id, new string('a', 1224))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.ReplyAsync(id, new string('a', 1225))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await app.ReplyAsync(id, new string('好', 536))).StatusCode);
        var tooLong = await app.ReplyAsync(id, new string('好', 537));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        Assert.Contains("9 segments", await tooLong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await app.ReplyAsync(999_999, "hello")).StatusCode);
    }

    [Fact]
    public async Task TheQueue_CrisisFirstThenOldest_MaskedWithWaitingSince_ForCounsellorsOnly()
    {
        var talk = CounsellingApp.NewPhone();
        var crisis = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(talk, "TALK");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.Resident.SendAsync(crisis, "我不想活了");

        var open = (await app.JsonAsync("/api/support/requests?status=open")).EnumerateArray().ToList();
        var mine = open.Where(r => r.GetProperty("phone").GetString() == Gateway.Phones.Phone.Mask(talk) || r.GetProperty("phone").GetString() == Gateway.Phones.Phone.Mask(crisis)).ToList();
        Assert.Equal([true, false], mine.Select(r => r.GetProperty("crisis").GetBoolean()));
        Assert.Equal(["zh", "en"], mine.Select(r => r.GetProperty("language").GetString()));
        Assert.All(mine, r => Assert.Contains("****", r.GetProperty("phone").GetString()));
        Assert.Equal(app.Clock.GetUtcNow(), mine[0].GetProperty("waitingSince").GetDateTimeOffset());
        Assert.True(open.FindIndex(r => r.GetProperty("crisis").GetBoolean()) < open.FindIndex(r => !r.GetProperty("crisis").GetBoolean()) || open.All(r => r.GetProperty("crisis").GetBoolean()));
        var text = await app.AdminClient(CounsellingApp.LinToken).GetStringAsync("/api/support/requests?status=all");
        Assert.DoesNotContain(talk, text);
        Assert.DoesNotContain(crisis, text);

        Assert.Equal(HttpStatusCode.Forbidden, (await app.AdminClient(CounsellingApp.ViewerToken).GetAsync("/api/support/requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.AdminClient(CounsellingApp.EditorToken).GetAsync($"/api/support/requests/{await app.RequestIdAsync(talk)}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.AdminClient(CounsellingApp.LinToken).GetAsync("/api/support/requests?status=pending")).StatusCode);

        var id = await app.RequestIdAsync(talk);
        await app.ClaimAsync(id, CounsellingApp.ChenToken);
        var claimed = (await app.JsonAsync("/api/support/requests?status=claimed")).EnumerateArray();
        Assert.Contains(claimed, r => r.GetProperty("id").GetInt64() == id && r.GetProperty("claimedBy").GetString() == "chen");
        Assert.DoesNotContain((await app.JsonAsync("/api/support/requests?status=open")).EnumerateArray(), r => r.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task AnAdminRevealsTheNumber_OnlyWithAReason_Audited()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "我不想活了");
        var id = await app.RequestIdAsync(phone);

        Assert.Equal(HttpStatusCode.Forbidden, (await app.AdminClient(CounsellingApp.LinToken).PostAsJsonAsync($"/api/support/requests/{id}/number", new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.AdminClient().PostAsJsonAsync($"/api/support/requests/{id}/number", new { reason = " " })).StatusCode);
        var shown = await app.AdminClient().PostAsJsonAsync($"/api/support/requests/{id}/number", new { reason = "handing over to emergency services" });
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal(phone, JsonDocument.Parse(await shown.Content.ReadAsStringAsync()).RootElement.GetProperty("phone").GetString());

        var audit = await app.QueryAsync<(string Action, string Target, string Detail)>(
            "SELECT action, target, detail FROM audit_events WHERE action = 'conversation.number_shown' AND target LIKE @target", new { target = $"conversation {id} %" });
        var entry = Assert.Single(audit);
        Assert.Equal("handing over to emergency services", entry.Detail);
        Assert.DoesNotContain(phone, entry.Target);
    }
}
