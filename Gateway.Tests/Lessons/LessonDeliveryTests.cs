using Gateway.Delivery;
using Gateway.Lessons;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>
/// Courses day by day, over the signed SMS webhook and the real database, with the recurring planner run on the fake
/// clock as Hangfire would run it (every few minutes). Each test moves the clock forward to the city times it needs.
/// </summary>
public sealed class LessonDeliveryTests(LessonsApp app) : IClassFixture<LessonsApp>
{
    private readonly TwilioSms _sms = new(app);

    private static readonly TimeOnly Seven = new(7, 0), Eight = new(8, 0);

    /// <summary>The planner at 07:55 (nothing due) and 08:00 and 08:05 (due, once), then the dispatcher.</summary>
    private async Task MorningAsync()
    {
        app.AdvanceTo(new TimeOnly(7, 55));
        await app.RunPlannerAsync();
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        app.AdvanceTo(new TimeOnly(8, 5));
        await app.RunPlannerAsync();
        await app.DispatchAsync();
    }

    [Fact]
    public async Task DayByDay_LessonNOnDayN_ThenTheCompletionMessage_ThenNothing()
    {
        const string phone = "+8613710000001";
        var course = app.Courses.Find("hygiene-kids")!;
        app.AdvanceTo(Seven);
        Assert.Equal($"You joined Hygiene for children: {course.Lessons.Count} lessons, one a day at 8:00. Lesson 1 comes today at 8:00. Reply STOP 11 to leave it.",
            await _sms.SendAsync(phone, "JOIN 11"));
        await app.RunPlannerAsync();
        Assert.Empty(await app.LessonsForAsync(phone));

        for (var day = 1; day <= course.Lessons.Count; day++)
        {
            await MorningAsync();
            var lessons = await app.LessonsForAsync(phone);
            Assert.Equal(day, lessons.Count);
            var today = lessons[^1];
            Assert.Equal(course.Lesson(day, "en"), today.Body);
            Assert.Equal((LessonKinds.Lesson, (short)MessagePriority.Bulk), (today.Kind, today.Priority));
            Assert.StartsWith("lesson:", today.DedupeKey);
            Assert.Equal(DateTimeOffset.Parse(app.LocalNow.ToString("yyyy-MM-dd") + "T21:00:00+08:00"), new DateTimeOffset(today.ExpiresAt, TimeSpan.Zero));
            Assert.Equal(OutboundStatus.Sent, today.Status);   // handed to the simulator ("delivered" follows by reconciliation)
        }

        await MorningAsync();
        var all = await app.LessonsForAsync(phone);
        Assert.Equal(course.Lessons.Count + 1, all.Count);
        Assert.Equal((LessonKinds.CourseCompletion, course.CompletionMessage("en")), (all[^1].Kind, all[^1].Body));
        Assert.NotNull(await app.QuerySingleAsync<DateTime?>(
            "SELECT completed_at FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone", new { phone }));

        await MorningAsync();
        Assert.Equal(course.Lessons.Count + 1, (await app.LessonsForAsync(phone)).Count);
        // The simulator got exactly what was queued, in order.
        var received = await app.QueryAsync<string>("SELECT body FROM simulator_messages WHERE to_phone = @phone ORDER BY id", new { phone });
        Assert.Equal(all.Select(l => l.Body), received);
    }

    [Fact]
    public async Task Next_SendsTheNextLessonNow_CountingAsTodays_AndTheScheduleContinuesAfterIt()
    {
        const string phone = "+8613710000002";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 12");
        await MorningAsync();

        app.AdvanceTo(new TimeOnly(12, 0));
        Assert.Null(await _sms.SendAsync(phone, "NEXT"));   // no reply: the lesson is the answer
        var lessons = await app.LessonsForAsync(phone);
        Assert.Equal([app.Lesson("prevention-basics", 1), app.Lesson("prevention-basics", 2)], lessons.Select(l => l.Body));
        Assert.Equal((short)MessagePriority.Normal, lessons[^1].Priority);
        Assert.Null(lessons[^1].DedupeKey);

        // Next morning, before the hour: NEXT gives lesson 3, and the 08:00 run sends nothing more that day.
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "下一课");
        await MorningAsync();
        Assert.Equal(3, (await app.LessonsForAsync(phone)).Count);

        await MorningAsync();
        Assert.Equal(app.Lesson("prevention-basics", 4), (await app.LessonsForAsync(phone))[^1].Body);
    }

    [Fact]
    public async Task Repeat_ResendsTheLastLesson_AndThePositionStays()
    {
        const string phone = "+8613710000003";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 13");
        Assert.Equal("No lesson of Coping with stress and worry was sent yet. Reply NEXT to get lesson 1 now.", await _sms.SendAsync(phone, "REPEAT"));

        await MorningAsync();
        app.AdvanceTo(new TimeOnly(18, 0));
        Assert.Null(await _sms.SendAsync(phone, "REPEAT"));
        await MorningAsync();

        var lessons = await app.LessonsForAsync(phone);
        Assert.Equal(new[] { 1, 1, 2 }.Select(n => app.Lesson("coping-stress", n)), lessons.Select(l => l.Body));
        Assert.Equal((short)MessagePriority.Normal, lessons[1].Priority);
    }

    [Fact]
    public async Task LateJoiner_StartsAtLessonOne_WhileEarlierLearnersGoOn()
    {
        const string early = "+8613710000004", late = "+8613710000005";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(early, "JOIN home-care");
        await MorningAsync();
        await MorningAsync();

        app.AdvanceTo(Seven);
        await _sms.SendAsync(late, "订阅 照护");
        await MorningAsync();

        Assert.Equal(app.Lesson("home-care", 3), (await app.LessonsForAsync(early))[^1].Body);
        Assert.Equal([app.Lesson("home-care", 1, "zh")], (await app.LessonsForAsync(late)).Select(l => l.Body));
    }

    public sealed record EndCase(string Status, bool Again)
    {
        public override string ToString() => $"{Status}: {(Again ? "the same lesson again" : "the next lesson")}";
    }

    public static TheoryData<EndCase> Ends => new()
    {
        new(OutboundStatus.Undelivered, Again: true),
        new(OutboundStatus.Failed, Again: true),
        new(OutboundStatus.Expired, Again: true),
        new(OutboundStatus.SkippedInvalidNumber, Again: true),
        new(OutboundStatus.Delivered, Again: false),
        new(OutboundStatus.Sent, Again: false),
        new(OutboundStatus.Ambiguous, Again: false),
    };

    private static int _endPhones;

    [Theory, MemberData(nameof(Ends))]
    public async Task ALessonThatNeverArrived_IsSentAgain_RatherThanSkipped(EndCase c)
    {
        var phone = $"+86137100001{Interlocked.Increment(ref _endPhones):D2}";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 11");
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        var first = (await app.LessonsForAsync(phone)).Single();
        await app.SetStatusAsync(first.Id, c.Status);   // as a delivery report would

        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        var second = (await app.LessonsForAsync(phone))[^1];
        Assert.Equal(app.Lesson("hygiene-kids", c.Again ? 1 : 2), second.Body);
        await app.SetStatusAsync(second.Id, OutboundStatus.Delivered);

        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        Assert.Equal(app.Lesson("hygiene-kids", c.Again ? 2 : 3), (await app.LessonsForAsync(phone))[^1].Body);
    }

    [Fact]
    public async Task Next_AfterALessonThatNeverArrived_SendsThatLesson()
    {
        const string phone = "+8613710000006";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 11");
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        await app.SetStatusAsync((await app.LessonsForAsync(phone)).Single().Id, OutboundStatus.Undelivered);

        await _sms.SendAsync(phone, "NEXT");
        await _sms.SendAsync(phone, "NEXT");

        Assert.Equal(new[] { 1, 1, 2 }.Select(n => app.Lesson("hygiene-kids", n)), (await app.LessonsForAsync(phone)).Select(l => l.Body));
    }

    [Fact]
    public async Task OptedOut_GetsNoLessonsOrTips_AndALessonStoppedByTheOptOutComesAfterStart()
    {
        const string phone = "+8613710000007";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 12");
        await _sms.SendAsync(phone, "JOIN 2");
        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        Assert.Equal(["lesson", "tip"], (await app.QueuedForAsync(phone)).Select(q => q.Kind).Order());

        // STOP arrives before the dispatcher got to them: both are skipped, never sent.
        await _sms.SendAsync(phone, "STOP");
        await app.DispatchAsync();
        Assert.All(await app.QueuedForAsync(phone), q => Assert.Equal(OutboundStatus.SkippedOptedOut, q.Status));

        for (var day = 0; day < 3; day++)
        {
            await MorningAsync();
            Assert.Equal(2, (await app.QueuedForAsync(phone)).Count);
            Assert.Null(await _sms.SendAsync(phone, "NEXT"));   // only stored
            Assert.Equal(2, (await app.QueuedForAsync(phone)).Count);
        }

        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "START");
        await MorningAsync();
        Assert.Equal(app.Lesson("prevention-basics", 1), (await app.LessonsForAsync(phone))[^1].Body);
        Assert.Equal(2, (await app.LessonsForAsync(phone)).Count);
    }

    [Fact]
    public async Task QuietHours_NothingIsQueuedAtNight_AndANightHourIsServedWhenTheyEnd()
    {
        const string night = "+8613710000008", legacy = "+8613710000009";
        app.AdvanceTo(new TimeOnly(21, 30));
        Assert.Contains("Lesson 1 comes tomorrow at 8:00.", await _sms.SendAsync(night, "JOIN 13"));
        await _sms.SendAsync(night, "JOIN 2");
        await _sms.SendAsync(legacy, "JOIN 14");
        // An hour the USSD menu used to offer, inside today's quiet hours.
        await using (var conn = await app.OpenDatabaseAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE subscribers SET delivery_hour = 7 WHERE phone = @legacy", new { legacy });

        foreach (var time in new[] { new TimeOnly(22, 30), new TimeOnly(3, 0), Seven, new TimeOnly(7, 55) })
        {
            app.AdvanceTo(time);
            await app.RunPlannerAsync();
        }
        Assert.Empty(await app.QueuedForAsync(night));
        Assert.Empty(await app.QueuedForAsync(legacy));

        app.AdvanceTo(Eight);
        await app.RunPlannerAsync();
        Assert.Equal(["lesson", "tip"], (await app.QueuedForAsync(night)).Select(q => q.Kind).Order());
        Assert.Single(await app.LessonsForAsync(legacy));
    }

    [Fact]
    public async Task Time_MovesLessonsAndTipsToTheChosenHour_AndRefusesNightHours()
    {
        const string phone = "+8613710000010";
        app.AdvanceTo(Seven);
        await _sms.SendAsync(phone, "JOIN 2");
        Assert.Equal("Reply TIME and an hour from 8-20, e.g. TIME 19. We send nothing at night.", await _sms.SendAsync(phone, "TIME 23"));
        Assert.Equal("Reply TIME and an hour from 8-20, e.g. TIME 19. We send nothing at night.", await _sms.SendAsync(phone, "TIME abc"));
        Assert.Equal("Your daily tip and lessons will come at 19:00 from now on.", await _sms.SendAsync(phone, "TIME 7PM"));
        Assert.Contains("Lesson 1 comes today at 19:00.", await _sms.SendAsync(phone, "JOIN 11"));

        foreach (var time in new[] { Eight, new TimeOnly(18, 55) })
        {
            app.AdvanceTo(time);
            await app.RunPlannerAsync();
        }
        Assert.Empty(await app.QueuedForAsync(phone));
        app.AdvanceTo(new TimeOnly(19, 0));
        await app.RunPlannerAsync();
        Assert.Equal(["lesson", "tip"], (await app.QueuedForAsync(phone)).Select(q => q.Kind).Order());
        Assert.Equal(19, await app.QuerySingleAsync<int>("SELECT delivery_hour FROM subscribers WHERE phone = @phone", new { phone }));
    }
}
