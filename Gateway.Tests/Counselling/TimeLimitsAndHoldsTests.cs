using System.Net;
using Gateway.Delivery;
using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Counselling;

/// <summary>
/// Counselling's time limits on the fake clock (the job called as the worker's Hangfire server would, every minute):
/// a crisis request escalates to the on-call numbers after CRISIS_CLAIM_WITHIN and again each further interval, a quiet
/// conversation closes itself after 72 hours; bulk messages wait while a conversation lasts (at most 24 hours), urgent
/// ones never; delete-my-data takes the conversation with it.
/// </summary>
public sealed class TimeLimitsAndHoldsTests(CounsellingApp app) : IClassFixture<CounsellingApp>
{
    // In DEFAULT_LANGUAGE (zh): "a crisis request has waited {minutes} min".
    private const string Alert = "危机求助已等待";

    private async Task<int> AlertsAsync(string oncall) => (await app.ReceivedAsync(oncall)).Count(m => m.Contains(Alert, StringComparison.Ordinal));

    /// <summary>Runs the job each minute across <paramref name="span"/>, as the recurring job would.</summary>
    private async Task RunForAsync(TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromMinutes(1))
        {
            app.Clock.Advance(TimeSpan.FromMinutes(1));
            await app.Timers.RunAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ACrisisRequestUnclaimed_AlertsEveryOncallNumberAfterTheLimit_AndAgainEachInterval_UntilClaimed()
    {
        // The class's tests share a database and the on-call numbers: this one counts alerts from its start.
        var before = (await AlertsAsync(CounsellingApp.Oncall), await AlertsAsync(CounsellingApp.SecondOncall));
        var phone = CounsellingApp.NewPhone();
        Assert.Contains("12356", await app.Resident.SendAsync(phone, "我不想活了"));
        var id = await app.RequestIdAsync(phone);

        await RunForAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(before, (await AlertsAsync(CounsellingApp.Oncall), await AlertsAsync(CounsellingApp.SecondOncall)));

        await RunForAsync(TimeSpan.FromMinutes(1));
        Assert.Equal((before.Item1 + 1, before.Item2 + 1), (await AlertsAsync(CounsellingApp.Oncall), await AlertsAsync(CounsellingApp.SecondOncall)));
        var alert = (await app.ReceivedAsync(CounsellingApp.Oncall)).Last(m => m.Contains(Alert, StringComparison.Ordinal));
        Assert.Contains("10分钟", alert);
        Assert.DoesNotContain("不想活", alert);
        Assert.DoesNotContain(phone[^4..], alert);

        await RunForAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(before.Item1 + 1, await AlertsAsync(CounsellingApp.Oncall));
        await RunForAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(before.Item1 + 2, await AlertsAsync(CounsellingApp.Oncall));
        Assert.Contains("20分钟", (await app.ReceivedAsync(CounsellingApp.Oncall)).Last(m => m.Contains(Alert, StringComparison.Ordinal)));
        Assert.Equal(2, (await app.JsonAsync($"/api/support/requests/{id}")).GetProperty("escalations").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await app.ClaimAsync(id)).StatusCode);
        await RunForAsync(TimeSpan.FromMinutes(30));
        Assert.Equal(before.Item1 + 2, await AlertsAsync(CounsellingApp.Oncall));
        await app.CloseAsync(id, "referred");
    }

    [Fact]
    public async Task OtherRequests_NeverAlertTheOncallNumbers()
    {
        var before = await AlertsAsync(CounsellingApp.Oncall);
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        app.Clock.Advance(TimeSpan.FromHours(25));
        await app.Timers.RunAsync(CancellationToken.None);
        Assert.Equal(before, await AlertsAsync(CounsellingApp.Oncall));
        await app.CloseAsync(await app.RequestIdAsync(phone), "other");
    }

    [Fact]
    public async Task AConversationWithNoMessageFor72Hours_ClosesItselfAsNoResponse_AndTheResidentIsTold()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        await app.ClaimAsync(id);
        app.Clock.Advance(TimeSpan.FromHours(48));
        Assert.Null(await app.Resident.SendAsync(phone, "still here"));
        app.Clock.Advance(TimeSpan.FromHours(71));
        await app.Timers.RunAsync(CancellationToken.None);
        Assert.Equal("claimed", (await app.JsonAsync($"/api/support/requests/{id}")).GetProperty("status").GetString());

        app.Clock.Advance(TimeSpan.FromHours(1));
        await app.Timers.RunAsync(CancellationToken.None);

        var closed = await app.JsonAsync($"/api/support/requests/{id}");
        Assert.Equal(("closed", "no_response", "gateway"), (closed.GetProperty("status").GetString(), closed.GetProperty("outcome").GetString(),
            closed.GetProperty("closedBy").GetString()));
        Assert.Contains(await app.ReceivedAsync(phone), m => m.Contains("Text TALK to this number whenever you want to talk again", StringComparison.Ordinal));
        Assert.Contains("Reply JOIN + number", await app.Resident.SendAsync(phone, "HELP"));
    }

    private async Task<long> QueueAsync(string phone, string text, MessagePriority priority, string kind)
    {
        await using var conn = await app.OpenDatabaseAsync();
        var subscriberId = await app.QuerySingleAsync<long>("SELECT id FROM subscribers WHERE phone = @phone", new { phone });
        return (await app.Services.GetRequiredService<Outbox>().EnqueueAsync(conn, null,
            new OutboundMessage(phone, text, kind, priority) { SubscriberId = subscriberId }, CancellationToken.None))!.Value;
    }

    [Fact]
    public async Task BulkMessagesWaitWhileTheConversationLasts_UrgentOnesDoNot_AndTheHeldOnesGoWhenItCloses()
    {
        var phone = CounsellingApp.NewPhone();
        var bystander = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        await app.Resident.SendAsync(bystander, "JOIN 2");
        var id = await app.RequestIdAsync(phone);
        await app.ClaimAsync(id);

        await QueueAsync(phone, "Notice: the clinic moves on Monday.", MessagePriority.Bulk, "broadcast");
        await QueueAsync(phone, "Tip: drink water.", MessagePriority.Bulk, "tip");
        await QueueAsync(phone, "URGENT: boil tap water today.", MessagePriority.Normal, "broadcast");
        await QueueAsync(bystander, "Notice: the clinic moves on Monday.", MessagePriority.Bulk, "broadcast");
        Assert.Equal(HttpStatusCode.Accepted, (await app.ReplyAsync(id, "I'm listening.")).StatusCode);

        var during = await app.ReceivedAsync(phone);
        Assert.Contains("URGENT: boil tap water today.", during);
        Assert.Contains("I'm listening.", during);
        Assert.DoesNotContain("Notice: the clinic moves on Monday.", during);
        Assert.DoesNotContain("Tip: drink water.", during);
        Assert.Contains("Notice: the clinic moves on Monday.", await app.ReceivedAsync(bystander));

        // Held for an hour, the notice keeps the validity it had left.
        app.Clock.Advance(TimeSpan.FromHours(1));
        Assert.DoesNotContain("Tip: drink water.", await app.ReceivedAsync(phone));
        Assert.Equal(HttpStatusCode.OK, (await app.CloseAsync(id, "resolved")).StatusCode);

        var after = await app.ReceivedAsync(phone);
        Assert.Contains("Notice: the clinic moves on Monday.", after);
        Assert.Contains("Tip: drink water.", after);
        Assert.Contains(after, m => m.Contains("whenever you want to talk again", StringComparison.Ordinal));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM bulk_holds WHERE phone = @phone", new { phone }));
    }

    [Fact]
    public async Task ABulkHoldEndsAfter24Hours_EvenWhileTheConversationGoesOn()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        await app.ClaimAsync(id);
        await QueueAsync(phone, "Tip: walk after dinner.", MessagePriority.Bulk, "tip");

        app.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Null(await app.Resident.SendAsync(phone, "ok"));
        Assert.DoesNotContain("Tip: walk after dinner.", await app.ReceivedAsync(phone));
        app.Clock.Advance(TimeSpan.FromHours(1));
        await app.Timers.RunAsync(CancellationToken.None);
        Assert.Contains("Tip: walk after dinner.", await app.ReceivedAsync(phone));
        Assert.Equal("claimed", (await app.JsonAsync($"/api/support/requests/{id}")).GetProperty("status").GetString());
        await app.CloseAsync(id, "resolved");
    }

    [Fact]
    public async Task DeleteMyData_RemovesTheConversation_ItsMessagesAndNotes()
    {
        var phone = CounsellingApp.NewPhone();
        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        await app.ClaimAsync(id);
        await app.ReplyAsync(id, "How can I help?");
        Assert.Null(await app.Resident.SendAsync(phone, "my neighbour is loud every night"));
        await app.AdminClient(CounsellingApp.LinToken).PostAsync($"/api/support/requests/{id}/notes",
            new StringContent("""{"text":"Noise; sleep."}""", System.Text.Encoding.UTF8, "application/json"));
        await app.DispatchAsync();

        Assert.Equal(ErasureOutcome.Erased, await app.Services.GetRequiredService<DeleteSubscriberData>().HandleAsync(phone, ConsentChannel.Ussd, CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminClient(CounsellingApp.LinToken).GetAsync($"/api/support/requests/{id}/messages")).StatusCode);
        Assert.Equal(0, await app.QuerySingleAsync<int>("""
            SELECT (SELECT count(*) FROM conversation_messages WHERE support_request_id = @id)
                 + (SELECT count(*) FROM conversation_notes WHERE support_request_id = @id)
                 + (SELECT count(*) FROM inbound_messages WHERE from_phone = @phone)
                 + (SELECT count(*) FROM outbound_messages WHERE recipient = @phone)
                 + (SELECT count(*) FROM bulk_holds WHERE phone = @phone)
            """, new { id, phone }));
    }
}
