using System.Net;
using System.Net.Http.Json;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Imports;
using Gateway.Lessons;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Imports;

/// <summary>
/// A resident imported without recorded consent is pending: nothing reaches them (broadcasts, tips, lessons) until
/// they reply YES / 是, and then everything they confirmed does; STOP instead ends it, and no import asks again.
/// </summary>
public sealed class PendingResidentTests(ImportApp app) : IClassFixture<ImportApp>
{
    private readonly TwilioSms _sms = new(app);

    private static readonly TimeOnly Eight = new(8, 0);

    private async Task<long> BroadcastAsync(string text)
    {
        var id = await Broadcasting.CreateAsync(app, new { title = text, content = new { zh = text, en = text }, audience = new { topics = new[] { "notices" } } });
        await Broadcasting.ApproveAsync(app, id);
        await app.Services.GetRequiredService<FanOutBroadcast>().StartAsync(id, CancellationToken.None);
        return id;
    }

    private async Task<List<string>> KindsForAsync(string phone) => (await app.QueuedForAsync(phone)).Select(q => q.Kind).ToList();

    [Fact]
    public async Task APendingResident_ReceivesNothing_UntilYes_AndEverythingAfter()
    {
        const string phone = "+8613720000001";
        app.AdvanceTo(new TimeOnly(7, 0));
        await app.ImportAndRunAsync($"phone,language,topics\n{phone},en,notices;tips\n");
        Assert.Equal("pending", await app.StatusOfAsync(phone));

        // Imported during quiet hours (until 08:00): the confirmation waits for their end, then is worth sending for 14 days.
        var (notBefore, expiresAt) = await app.QuerySingleAsync<(DateTime NotBefore, DateTime ExpiresAt)>(
            "SELECT not_before, expires_at FROM outbound_messages WHERE recipient = @phone AND kind = 'import_confirmation'", new { phone });
        Assert.Equal(CityTime.ToInstant(DateOnly.FromDateTime(app.LocalNow).ToDateTime(Eight), app.Zone).UtcDateTime, notBefore);
        Assert.Equal(ApplyImport.ConfirmationValidity, expiresAt - notBefore);

        // Before YES: no broadcast, no tip, no enrolment by an official; the resident can still ask what we keep.
        app.AdvanceTo(Eight);
        await BroadcastAsync("Fever clinic open late today.");
        await app.RunPlannerAsync();
        var enrol = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync($"/api/subscribers/{Uri.EscapeDataString(phone)}/enrolments", new { course = "11" });
        Assert.Equal(HttpStatusCode.Conflict, enrol.StatusCode);
        Assert.Contains("waiting for your YES", await _sms.SendAsync(phone, "MYDATA"));
        Assert.Equal([MessageKinds.ImportConfirmation], await KindsForAsync(phone));

        // YES: the topics the confirmation named, each ledgered from this SMS.
        Assert.StartsWith("You are subscribed to: Prevention notices, Daily health tip.", await _sms.SendAsync(phone, "YES"));
        Assert.Equal("active", await app.StatusOfAsync(phone));
        Assert.Equal(["notices", "tips"], await app.QueryAsync<string>(
            "SELECT scope FROM consent_events WHERE phone = @phone AND channel = 'sms' AND action = 'opt_in' ORDER BY scope", new { phone }));

        // After YES: broadcasts and tips reach them.
        await BroadcastAsync("Vaccination day on Saturday.");
        app.AdvanceToDay(1, Eight);
        await app.RunPlannerAsync();
        var kinds = await KindsForAsync(phone);
        Assert.Equal(1, kinds.Count(k => k == MessageKinds.Broadcast));
        Assert.Equal(1, kinds.Count(k => k == MessageKinds.Tip));
    }

    [Fact]
    public async Task 是_ConfirmsInChinese()
    {
        const string phone = "+8613720000002";
        await app.ImportAndRunAsync($"phone,language,topics\n{phone},zh,tips\n");

        Assert.StartsWith("您已订阅：每日健康小贴士", await _sms.SendAsync(phone, "是"));
        Assert.Equal("active", await app.StatusOfAsync(phone));
    }

    [Fact]
    public async Task StopFromAPendingResident_OptsOut_TheConfirmationIsNotSent_AndNoImportAsksAgain()
    {
        const string phone = "+8613720000003";
        var csv = $"phone,language,topics\n{phone},en,notices\n";
        await app.ImportAndRunAsync(csv);

        Assert.Contains("You are unsubscribed", await _sms.SendAsync(phone, "STOP"));
        await app.DispatchAsync();
        var again = await app.ImportAndRunAsync(csv);

        Assert.Equal("opted_out", await app.StatusOfAsync(phone));
        var confirmation = Assert.Single(await app.QueuedForAsync(phone), q => q.Kind == MessageKinds.ImportConfirmation);
        Assert.Equal(OutboundStatus.SkippedOptedOut, confirmation.Status);
        Assert.Equal((1, 0), (again.GetProperty("optedOut").GetInt32(), again.GetProperty("toConfirm").GetInt32()));
        Assert.Single(await app.QueuedForAsync(phone), q => q.Kind == MessageKinds.ImportConfirmation);
    }

    [Fact]
    public async Task ExplicitConsentInALaterList_ConfirmsAPendingResident_WithExactlyThatListsTopics()
    {
        const string phone = "+8613720000004";
        await app.ImportAndRunAsync($"phone,language,topics\n{phone},en,tips\n");

        var done = await app.ImportAndRunAsync($"phone,topics,source,consent,consent_at,consent_text\n{phone},notices,clinic,explicit,2026-03-01,yes to notices\n");

        Assert.Equal(1, done.GetProperty("toSubscribe").GetInt32());
        Assert.Equal("active", await app.StatusOfAsync(phone));
        Assert.Equal(["notices"], await app.QueryAsync<string>(
            "SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @phone", new { phone }));
        Assert.Equal(["notices"], await app.QueryAsync<string>("SELECT scope FROM consent_events WHERE phone = @phone AND channel = 'import'", new { phone }));
    }
}
