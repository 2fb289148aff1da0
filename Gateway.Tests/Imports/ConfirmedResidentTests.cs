using Gateway.Delivery;
using Gateway.Lessons;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;

namespace Gateway.Tests.Imports;

/// <summary>
/// What follows a resident's answer to an import's confirmation, from outside: the list over HTTP, the resident's SMS
/// over the signed webhook, the planner and the dispatcher as the worker runs them, the outbound queue and the
/// simulator (the provider) read back.
/// <list type="bullet">
/// <item>The confirmation SMS is a bulk message the resident received: the frequency guard (BULK_MESSAGES_PER_DAY,
/// 3 by default) counts it for the broadcasts after it, however the resident confirmed (YES or JOIN); the reply to
/// their answer is a reply and does not count.</item>
/// <item>Lessons: nothing before YES; after it a course joined starts at lesson 1 and goes on day by day and with
/// NEXT; a learner who stopped stays stopped through a later list, and their YES carries the course on where it was.</item>
/// </list>
/// </summary>
public sealed class ConfirmedResidentTests(ImportApp app) : IClassFixture<ImportApp>
{
    private readonly TwilioSms _sms = new(app);

    private static readonly TimeOnly Seven = new(7, 0), Eight = new(8, 0), Nine = new(9, 0);

    private static object Notice(string region, string text) => new
    {
        title = text,
        content = new { zh = text, en = text },
        audience = new { topics = new[] { "notices" }, regions = new[] { region }, languages = Array.Empty<string>() },
    };

    private async Task<IReadOnlyList<string>> ReceivedAsync(string phone) =>
        await app.QueryAsync<string>("SELECT body FROM simulator_messages WHERE to_phone = @phone ORDER BY id", new { phone });

    [Theory]
    [InlineData("YES")]
    [InlineData("是")]
    [InlineData("JOIN")]
    public async Task TheConfirmationCounts_ForTheFrequencyGuard_OfTheBroadcastsAfterIt(string answer)
    {
        app.AdvanceTo(Nine);
        var region = Broadcasting.NewRegion();
        string imported = Broadcasting.NewPhone(), neighbour = Broadcasting.NewPhone();
        await Broadcasting.SeedAsync(app, region, new Resident(neighbour, "en"));
        await app.ImportAndRunAsync($"phone,language,region,topics\n{imported},en,{region},notices\n");
        await app.DispatchAsync();
        var confirmation = Assert.Single(await app.QueuedForAsync(imported));
        Assert.Equal((MessageKinds.ImportConfirmation, (short)MessagePriority.Bulk, OutboundStatus.Sent), (confirmation.Kind, confirmation.Priority, confirmation.Status));

        await _sms.SendAsync(imported, answer);
        Assert.Equal("active", await app.StatusOfAsync(imported));

        var now = app.Clock.GetUtcNow().UtcDateTime;
        var broadcasts = new List<long>();
        for (var i = 1; i <= 3; i++)
            broadcasts.Add(await Broadcasting.SendAsync(app, Notice(region, $"Notice {i} of today ({answer}).")));

        // The neighbour had nothing before: all three now. The imported resident had the confirmation (their answer's
        // reply does not count): two now, the third, their fourth bulk message in 24 hours, 24 hours after the latest.
        for (var i = 0; i < 3; i++)
        {
            var messages = await Broadcasting.MessagesAsync(app, broadcasts[i]);
            Assert.Equal(now, messages.Single(m => m.Recipient == neighbour).NotBefore, TimeSpan.FromMilliseconds(1));
            Assert.Equal(i < 2 ? now : now.AddHours(24), messages.Single(m => m.Recipient == imported).NotBefore, TimeSpan.FromMilliseconds(1));
        }
        var counts = await Broadcasting.CountsAsync(app, broadcasts[2]);
        Assert.Equal((2, 1), (counts["planned"], counts["deferred"]));

        await app.DispatchAsync();
        var received = await ReceivedAsync(imported);
        Assert.Equal(2, received.Count(b => b.StartsWith("Notice ", StringComparison.Ordinal)));
        Assert.Equal(3, (await ReceivedAsync(neighbour)).Count(b => b.StartsWith("Notice ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task NoLessonBeforeYes_ThenACourseStartsAtLessonOne_AndGoesOnDayByDayAndWithNext()
    {
        const string phone = "+8613720000101";
        var course = app.Courses.Find("hygiene-kids")!;
        app.AdvanceTo(Seven);
        await app.ImportAndRunAsync($"phone,language,topics\n{phone},en,lessons;tips\n");

        // Pending: the planner's 08:00 run brings neither tip nor lesson, NEXT finds no course and an official may not enrol.
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        await _sms.SendAsync(phone, "NEXT");
        Assert.Empty(await app.LessonsForAsync(phone));
        Assert.DoesNotContain(await app.QueuedForAsync(phone), q => q.Kind == MessageKinds.Tip);

        Assert.StartsWith("You are subscribed to: Daily health tip, Health lessons.", await _sms.SendAsync(phone, "YES"));
        app.AdvanceTo(new TimeOnly(8, 1));
        Assert.Contains("Lesson 1 comes in a few minutes", await _sms.SendAsync(phone, "JOIN 11"));
        app.AdvanceTo(new TimeOnly(8, 5));
        await app.RunPlannerAsync();
        await app.DispatchAsync();
        Assert.Equal([course.Lesson(1, "en")], (await app.LessonsForAsync(phone)).Select(l => l.Body));
        Assert.Single(await app.QueuedForAsync(phone), q => q.Kind == MessageKinds.Tip);

        app.AdvanceToDay(1, Eight);
        await app.RunPlannerAsync();
        Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        await app.DispatchAsync();
        app.AdvanceToDay(1, Eight);
        await app.RunPlannerAsync();
        await app.DispatchAsync();

        var lessons = await app.LessonsForAsync(phone);
        Assert.Equal(Enumerable.Range(1, 4).Select(n => course.Lesson(n, "en")), lessons.Select(l => l.Body));
        Assert.All(lessons, l => Assert.Equal(OutboundStatus.Sent, l.Status));
        Assert.Equal(4, (await ReceivedAsync(phone)).Count(b => lessons.Any(l => l.Body == b)));
    }

    [Fact]
    public async Task ALearnerWhoStopped_StaysStoppedThroughALaterList_AndYesCarriesTheCourseOnWhereItWas()
    {
        const string phone = "+8613720000102";
        var course = app.Courses.Find("hygiene-kids")!;
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 11");
        for (var day = 0; day < 2; day++)
        {
            app.AdvanceTo(Eight);
            await app.RunPlannerAsync();
            await app.DispatchAsync();
        }
        Assert.Equal(2, (await app.LessonsForAsync(phone)).Count);
        await _sms.SendAsync(phone, "STOP");

        // Two lists name the number, one recording consent: it stays opted out, and the next morning brings nothing.
        var withConsent = await app.ImportAndRunAsync(
            $"phone,language,topics,source,consent,consent_at,consent_text\n{phone},en,notices,clinic,explicit,2026-03-01,yes to notices\n");
        var without = await app.ImportAndRunAsync($"phone,language,topics\n{phone},en,tips\n");
        Assert.Equal((1, 1), (withConsent.GetProperty("optedOut").GetInt32(), without.GetProperty("optedOut").GetInt32()));
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        Assert.Equal("opted_out", await app.StatusOfAsync(phone));
        Assert.Equal(2, (await app.LessonsForAsync(phone)).Count);
        Assert.DoesNotContain(await app.QueuedForAsync(phone), q => q.Kind == MessageKinds.ImportConfirmation);

        // YES after an opt-out opts back in to what they had: the course goes on with lesson 3, not lesson 1.
        await _sms.SendAsync(phone, "YES");
        app.AdvanceTo(new TimeOnly(8, 5));
        await app.RunPlannerAsync();
        app.AdvanceToDay(1, Eight);
        await app.RunPlannerAsync();
        await app.DispatchAsync();

        Assert.Equal(Enumerable.Range(1, 4).Select(n => course.Lesson(n, "en")), (await app.LessonsForAsync(phone)).Select(l => l.Body));
        Assert.Equal(("hygiene-kids", 5), await app.QuerySingleAsync<(string, int)>("""
            SELECT e.course, e.next_lesson::int FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone AND e.completed_at IS NULL
            """, new { phone }));
    }
}
