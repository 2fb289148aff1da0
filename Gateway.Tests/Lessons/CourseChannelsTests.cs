using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Delivery;
using Gateway.Tests.Providers.AfricasTalking;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>
/// Enrolment and lessons through the other two channels, over HTTP on the real database: the USSD menu (Africa's
/// Talking form requests) and the admin API; and what the admin API shows about courses and learners afterwards.
/// </summary>
public sealed class CourseChannelsTests(CourseChannelsTests.ChannelsApp app) : IClassFixture<CourseChannelsTests.ChannelsApp>
{
    public sealed class ChannelsApp : LessonsApp
    {
        public const string EditorToken = "editor-token-0123456789ab";
        public const string ViewerToken = "viewer-token-0123456789ab";

        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["API_TOKENS"] = $"li:editor:{EditorToken},wang:viewer:{ViewerToken}";
        }
    }

    private readonly TwilioSms _sms = new(app);

    private UssdSession Ussd(string phone) => new(app.CreateClient(), phone);

    private Task<long> EnrolmentCountAsync(string phone, string channel) => app.QuerySingleAsync<long>("""
        SELECT count(*) FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone AND e.channel = @channel
        """, new { phone, channel });

    private Task<IReadOnlyList<string>> LedgerAsync(string phone) => app.QueryAsync<string>(
        "SELECT concat_ws(' ', action, scope, channel, keyword) FROM consent_events WHERE phone = @phone ORDER BY id", new { phone });

    // ---- USSD: main menu 2 = Lessons, 1 = the first course (Hygiene for children); on its screen 1 = start, 2 = next lesson.

    [Fact]
    public async Task Ussd_StartACourse_ThenAskForTheNextLesson()
    {
        const string phone = "+8613730000001";
        var s = Ussd(phone);
        await s.Dial();
        Assert.StartsWith("CON Choose 1 to start it first.\nTeach children handwashing", await s.Send("2*1*2"));
        Assert.Equal("END You joined Hygiene for children: one lesson a day at 8:00. Lesson 1 will come by SMS.", await s.Press("1"));
        Assert.Equal(1, await EnrolmentCountAsync(phone, "ussd"));
        Assert.Equal(["opt_in course:hygiene-kids ussd ussd menu"], await LedgerAsync(phone));

        var again = Ussd(phone);
        await again.Dial();
        Assert.StartsWith("CON You are on this course already.\n", await again.Send("2*1*1"));
        Assert.Equal("END Your next lesson of Hygiene for children is on its way by SMS.", await again.Press("2"));
        // Africa's Talking retrying that request changes nothing.
        await again.Send(again.History);

        var lessons = await app.LessonsForAsync(phone);
        Assert.Equal([app.Lesson("hygiene-kids", 1)], lessons.Select(l => l.Body));   // in the number's language (DEFAULT_LANGUAGE en here)
        Assert.Equal((short)MessagePriority.Normal, lessons[0].Priority);
    }

    [Fact]
    public async Task Ussd_AnOptedOutNumber_ConfirmsFirst_ThenGetsThisCourseOnly()
    {
        const string phone = "+8613730000002";
        await _sms.SendAsync(phone, "JOIN 12");
        await _sms.SendAsync(phone, "JOIN 2");
        await _sms.SendAsync(phone, "STOP");

        var s = Ussd(phone);
        await s.Dial();
        Assert.Equal("CON You stopped all messages before. Start again with Hygiene for children?\n1 Yes, start again\n0 Back", await s.Send("2*1*1"));
        Assert.Equal(0, await EnrolmentCountAsync(phone, "ussd"));
        Assert.StartsWith("END Welcome back! You are on Hygiene for children", await s.Press("1"));

        Assert.Equal("active", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
        Assert.Equal(["hygiene-kids"], await app.QueryAsync<string>(
            "SELECT e.course FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone", new { phone }));
        Assert.Empty(await app.QueryAsync<string>(
            "SELECT t.topic FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.phone = @phone", new { phone }));
        Assert.Equal(
            ["opt_in all ussd ussd menu", "opt_out tips ussd ussd menu", "opt_out course:prevention-basics ussd ussd menu", "opt_in course:hygiene-kids ussd ussd menu"],
            (await LedgerAsync(phone)).Skip(3));
    }

    [Fact]
    public async Task Ussd_NextLesson_WhileOptedOut_AsksFirst_AndAfterTheLastLesson_SaysFinished()
    {
        const string phone = "+8613730000003";
        var course = app.Courses.Find("hygiene-kids")!;
        await _sms.SendAsync(phone, "JOIN 11");
        await _sms.SendAsync(phone, "STOP");
        var s = Ussd(phone);
        await s.Dial();
        Assert.StartsWith("CON You stopped all messages before.", await s.Send("2*1*2"));
        Assert.Empty(await app.QueuedForAsync(phone));
        await s.Press("1");

        for (var i = 0; i <= course.Lessons.Count; i++)
            await _sms.SendAsync(phone, "NEXT");
        var last = Ussd(phone);
        await last.Dial();
        Assert.StartsWith("CON Course finished. Well done!\n", await last.Send("2*1*2"));
        Assert.Equal(course.Lessons.Count + 1, (await app.LessonsForAsync(phone)).Count);
    }

    // ---- Admin API

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, string Body)> EnrolAsync(string phone, string json, string token = GatewayApp.AdminToken)
    {
        var response = await app.AdminClient(token).PostAsync($"/api/subscribers/{Uri.EscapeDataString(phone)}/enrolments", Json(json));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Api_EnrolsAKnownActiveNumber_OnceByKeyOrNumber()
    {
        const string phone = "+8613730000010";
        await _sms.SendAsync(phone, "HELP");

        var (status, body) = await EnrolAsync(phone, """{"course":"14"}""", ChannelsApp.EditorToken);
        Assert.Equal(HttpStatusCode.Created, status);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["course", "number", "nextLesson", "lessons", "channel", "enrolledAt"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("home-care", 14, 1, "api"), (json.GetProperty("course").GetString(), json.GetProperty("number").GetInt32(),
            json.GetProperty("nextLesson").GetInt32(), json.GetProperty("channel").GetString()));

        Assert.Equal(HttpStatusCode.OK, (await EnrolAsync(phone, """{"course":"home-care"}""")).Status);
        Assert.Equal(1, await EnrolmentCountAsync(phone, "api"));
        Assert.Equal(["opt_in course:home-care api enrolled by li"], await LedgerAsync(phone));

        // Lesson 1 then comes with the planner, like any enrolment.
        app.AdvanceTo(new TimeOnly(8, 0));
        await app.RunPlannerAsync();
        Assert.Equal([app.Lesson("home-care", 1)], (await app.LessonsForAsync(phone)).Select(l => l.Body));
    }

    public sealed record Refusal(string Label, string Phone, string Json, string Token, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Refusal> Refusals => new()
    {
        new("a number that never wrote to us", "+8613730000020", """{"course":"11"}""", GatewayApp.AdminToken, HttpStatusCode.NotFound, "only a number that has texted or dialled"),
        new("a number that opted out", "+8613730000021", """{"course":"11"}""", GatewayApp.AdminToken, HttpStatusCode.Conflict, "only the resident can opt back in"),
        new("an unknown course", "+8613730000022", """{"course":"cooking"}""", GatewayApp.AdminToken, HttpStatusCode.UnprocessableEntity, "course: no course 'cooking'; courses: 11 Hygiene for children"),
        new("no course", "+8613730000022", "{}", GatewayApp.AdminToken, HttpStatusCode.BadRequest, "course: required"),
        new("not JSON", "+8613730000022", "course=11", GatewayApp.AdminToken, HttpStatusCode.BadRequest, ""),
        new("not a phone number", "12", """{"course":"11"}""", GatewayApp.AdminToken, HttpStatusCode.BadRequest, "phone:"),
        new("a viewer may not enrol", "+8613730000022", """{"course":"11"}""", ChannelsApp.ViewerToken, HttpStatusCode.Forbidden, ""),
    };

    [Theory, MemberData(nameof(Refusals))]
    public async Task Api_RefusesWithAReason(Refusal c)
    {
        await _sms.SendAsync("+8613730000021", "STOP");
        await _sms.SendAsync("+8613730000022", "HELP");

        var (status, body) = await EnrolAsync(c.Phone, c.Json, c.Token);

        Assert.Equal(c.Status, status);
        Assert.Contains(c.Detail, body);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @Phone", new { c.Phone }));
    }

    [Fact]
    public async Task Api_Courses_CountEnrolmentsAndCompletions_AndTheSubscriberShowsPositions()
    {
        const string finisher = "+8613730000030", learner = "+8613730000031";
        var course = app.Courses.Find("coping-stress")!;
        var before = await CoursesAsync(ChannelsApp.ViewerToken);
        await _sms.SendAsync(finisher, "JOIN 13");
        await _sms.SendAsync(learner, "JOIN 13");
        for (var i = 0; i <= course.Lessons.Count; i++)
            await _sms.SendAsync(finisher, "NEXT");
        await _sms.SendAsync(learner, "NEXT");
        await _sms.SendAsync(learner, "NEXT");

        var after = await CoursesAsync(ChannelsApp.ViewerToken);
        Assert.Equal(app.Courses.Courses.Select(c => c.Key).Order(), after.Select(c => c.GetProperty("key").GetString()).Order());
        var coping = after.Single(c => c.GetProperty("key").GetString() == "coping-stress");
        var was = before.Single(c => c.GetProperty("key").GetString() == "coping-stress");
        Assert.Equal(["key", "number", "title", "lessons", "enrolments", "completed", "completionRate", "reached"], coping.EnumerateObject().Select(p => p.Name));
        // Where learners stop: both reached lessons 1 and 2 (the learner's last), only the finisher the rest.
        var reachedBefore = was.GetProperty("reached").EnumerateArray().Select(n => n.GetInt32()).ToList();
        Assert.Equal(reachedBefore.Select((n, i) => n + (i < 2 ? 2 : 1)), coping.GetProperty("reached").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal(was.GetProperty("enrolments").GetInt32() + 2, coping.GetProperty("enrolments").GetInt32());
        Assert.Equal(was.GetProperty("completed").GetInt32() + 1, coping.GetProperty("completed").GetInt32());
        Assert.Equal(Math.Round(coping.GetProperty("completed").GetDouble() / coping.GetProperty("enrolments").GetInt32(), 4), coping.GetProperty("completionRate").GetDouble());
        Assert.Equal(("缓解压力与担忧", course.Lessons.Count), (coping.GetProperty("title").GetProperty("zh").GetString(), coping.GetProperty("lessons").GetInt32()));

        // The console's /courses shows the same figures: enrolments, completed, and the table under the chart, lesson by lesson.
        await StaffFixtures.AddAsync(app, "courses-viewer", ["viewer"]);
        var page = WebUtility.HtmlDecode(await (await ConsoleSession.SignInAsync(app, "courses-viewer", StaffFixtures.Password)).Client.GetStringAsync("/courses"));
        var section = page[page.IndexOf("id=\"course-coping-stress\"", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains($"Enrolments <b>{coping.GetProperty("enrolments").GetInt32()}</b>", section);
        Assert.Contains($"Completed <b>{coping.GetProperty("completed").GetInt32()}</b>", section);
        var rows = Regex.Matches(section, "<th scope=\"row\">Lesson (\\d+)</th>\\s*<td class=\"n\">([^<]*)</td>").Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value));
        Assert.Equal(coping.GetProperty("reached").EnumerateArray().Select((n, i) => (i + 1, n.GetInt32().ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en")))), rows);

        var profile = await app.AdminClient(ChannelsApp.ViewerToken).GetFromJsonAsync<JsonElement>($"/api/subscribers/{Uri.EscapeDataString(learner)}");
        var position = profile.GetProperty("courses").EnumerateArray().Single();
        Assert.Equal(("coping-stress", 13, 3, course.Lessons.Count, 2, "queued", "sms"), (position.GetProperty("course").GetString(),
            position.GetProperty("number").GetInt32(), position.GetProperty("nextLesson").GetInt32(), position.GetProperty("lessons").GetInt32(),
            position.GetProperty("lastLesson").GetInt32(), position.GetProperty("lastLessonStatus").GetString(), position.GetProperty("channel").GetString()));
        Assert.Equal(JsonValueKind.Null, position.GetProperty("completedAt").ValueKind);
        var done = (await app.AdminClient().GetFromJsonAsync<JsonElement>($"/api/subscribers/{Uri.EscapeDataString(finisher)}")).GetProperty("courses")[0];
        Assert.Equal(JsonValueKind.Null, done.GetProperty("nextLesson").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("completedAt").ValueKind);
    }

    private async Task<List<JsonElement>> CoursesAsync(string token) =>
        (await app.AdminClient(token).GetFromJsonAsync<JsonElement>("/api/courses")).EnumerateArray().ToList();

    [Fact]
    public async Task DeleteMyData_RemovesEnrolmentsAndTheTipRotation()
    {
        const string phone = "+8613730000040";
        await _sms.SendAsync(phone, "JOIN 11");
        await _sms.SendAsync(phone, "JOIN 2");
        app.AdvanceTo(new TimeOnly(8, 0));
        await app.RunPlannerAsync();
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM tip_rotations r JOIN subscribers s ON s.id = r.subscriber_id WHERE s.phone = @phone", new { phone }));

        var s = Ussd(phone);
        await s.Dial();
        Assert.StartsWith("END ", await s.Send("5*3*1"));

        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM enrolments WHERE subscriber_id NOT IN (SELECT id FROM subscribers)"));
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM tip_rotations WHERE subscriber_id NOT IN (SELECT id FROM subscribers)"));
        Assert.Empty(await app.QueryAsync<string>("SELECT scope FROM consent_events WHERE phone_hash = @hash AND action = 'opt_in'",
            new { hash = Gateway.Subscriptions.Subscribers.PhoneHash(phone) }));
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM subscribers WHERE phone = @phone", new { phone }));
    }
}
