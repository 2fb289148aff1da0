using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>
/// The course keywords by SMS, through the signed Twilio webhook and the real database: what each number sends,
/// what it gets back, and which courses it ends up on (course key and next lesson) with which consent rows.
/// </summary>
public sealed class LessonConversationTests(LessonsApp app) : IClassFixture<LessonsApp>
{
    private readonly TwilioSms _sms = new(app);

    /// <summary>Reply: a piece of the expected reply, "" for "no reply at all".</summary>
    public sealed record Step(string Send, string Reply);

    public sealed record Case(string Label, Step[] Steps, string[] Courses, string[]? Ledger = null)
    {
        public int Index { get; init; }
        public string Phone => $"+86137200{Index:D5}";
        public override string ToString() => Label;
    }

    private static Step Says(string send, string reply) => new(send, reply);
    private static Step Silent(string send) => new(send, "");

    private static readonly Case[] AllCases = new Case[]
    {
        new("JOIN by number", [Says("JOIN 11", "You joined Hygiene for children")], ["hygiene-kids:1"], ["opt_in course:hygiene-kids sms JOIN 11"]),
        new("订阅 by number, no space", [Says("订阅12", "您已参加“防疫基础知识”：共")], ["prevention-basics:1"]),
        new("JOIN by alias", [Says("JOIN stress", "You joined Coping with stress and worry")], ["coping-stress:1"]),
        new("JOIN by English title", [Says("JOIN Caring for a sick relative at home", "You joined Caring for a sick relative at home")], ["home-care:1"]),
        new("订阅 by Chinese alias with words after it", [Says("订阅卫生课程", "儿童卫生好习惯")], ["hygiene-kids:1"]),
        new("a course title that starts with a topic's word is the course", [Says("订阅 防疫基础知识", "您已参加“防疫基础知识”")], ["prevention-basics:1"]),
        new("the topic's word alone is the topic", [Says("订阅 防疫", "您将收到防疫通知")], []),
        new("JOIN twice: already on it", [Says("JOIN 11", "You joined"), Says("JOIN hygiene", "You are on Hygiene for children: lesson 1 of")], ["hygiene-kids:1"]),
        new("two courses", [Says("JOIN 11", "You joined"), Says("JOIN 13", "You joined Coping")], ["hygiene-kids:1", "coping-stress:1"]),
        new("STOP <course> leaves it, ledgered", [Says("JOIN 14", "You joined"), Says("STOP 14", "You left Caring for a sick relative at home. Reply JOIN 14")], [],
            ["opt_in course:home-care sms JOIN 14", "opt_out course:home-care sms STOP 14"]),
        new("退订 <course> not joined", [Says("订阅 1", "防疫通知"), Says("退订 12", "您没有参加“防疫基础知识”")], []),
        new("NEXT without a course: the course list", [Says("NEXT", "You are not on a course. Reply JOIN + number: 11 Hygiene for children, 12 Pandemic prevention basics")], []),
        new("下一课 without a course", [Says("下一课", "您还没有参加课程。回复 订阅+编号：11 儿童卫生好习惯")], []),
        new("REPEAT without a course", [Says("REPEAT", "You are not on a course.")], []),
        new("NEXT on a course: no reply, the lesson comes by SMS", [Says("JOIN 11", "You joined"), Silent("NEXT")], ["hygiene-kids:2"]),
        new("REPEAT before any lesson", [Says("JOIN 12", "You joined"), Says("REPEAT", "No lesson of Pandemic prevention basics was sent yet")], ["prevention-basics:1"]),
        new("TIME 19", [Says("TIME 19", "Your daily tip and lessons will come at 19:00")], []),
        new("时间 晚上7点", [Says("时间 晚上7点", "以后每天19点给您发小贴士和课程")], []),
        new("TIME 6 is quiet hours", [Says("TIME 6", "Reply TIME and an hour from 8-20")], []),
        new("TIME alone", [Says("TIME", "Reply TIME and an hour from 8-20")], []),
        new("JOIN <course> opts an opted-out number back in", [Says("STOP", "You are unsubscribed"), Says("JOIN 13", "You joined Coping")], ["coping-stress:1"],
            ["opt_out all sms STOP", "opt_in all sms JOIN 13", "opt_in course:coping-stress sms JOIN 13"]),
        new("NEXT while opted out: stored, no reply, nothing sent", [Says("JOIN 11", "You joined"), Says("STOP", "unsubscribed"), Silent("NEXT")], ["hygiene-kids:1"]),
        new("STOP <course> while opted out: done silently", [Says("JOIN 11", "You joined"), Says("STOP", "unsubscribed"), Silent("STOP 11")], []),
        new("TIME while opted out: kept silently", [Says("STOP", "unsubscribed"), Silent("TIME 10")], []),
    }.Select((c, i) => c with { Index = i }).ToArray();

    public static TheoryData<Case> Cases => new(AllCases);

    [Theory, MemberData(nameof(Cases))]
    public async Task Conversation(Case c)
    {
        foreach (var (step, n) in c.Steps.Select((s, n) => (s, n + 1)))
        {
            var reply = await _sms.SendAsync(c.Phone, step.Send);
            if (step.Reply.Length == 0)
                Assert.True(reply is null, $"step {n} \"{step.Send}\": expected no reply, got \"{reply}\"");
            else
                Assert.True(reply?.Contains(step.Reply, StringComparison.Ordinal) == true, $"step {n} \"{step.Send}\": expected \"{step.Reply}\" in \"{reply}\"");
        }

        var courses = await app.QueryAsync<string>("""
            SELECT e.course || ':' || e.next_lesson FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id
             WHERE s.phone = @Phone ORDER BY e.id
            """, new { c.Phone });
        Assert.Equal(c.Courses, courses);
        if (c.Ledger is not null)
            Assert.Equal(c.Ledger, await app.QueryAsync<string>(
                "SELECT concat_ws(' ', action, scope, channel, keyword) FROM consent_events WHERE phone = @Phone ORDER BY id", new { c.Phone }));
    }

    [Fact]
    public async Task NextWhileOptedOut_QueuesNothing()
    {
        var c = AllCases.Single(x => x.Label.StartsWith("NEXT while opted out")) with { Index = 900 };
        await Conversation(c);
        Assert.Empty(await app.QueuedForAsync(c.Phone));
    }

    [Fact]
    public async Task TheSimulator_EnrolsThroughTheSamePipeline()
    {
        const string phone = "+8613720099001";
        var response = await app.AdminClient().PostAsJsonAsync("/api/simulator/inbound", new { from = phone, body = "JOIN 14" });
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.StartsWith("You joined Caring for a sick relative at home", json.GetProperty("reply").GetString());
        Assert.Equal("home-care", await app.QuerySingleAsync<string>(
            "SELECT e.course FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone", new { phone }));
    }

    [Fact]
    public async Task Next_WhenTheCourseMovedMeanwhile_IsDecidedAgain_AndSendsTheLessonAfter()
    {
        // The router reads the enrolment (at lesson 2), then sends the message, its handling and the lesson in one
        // batch. Here a trigger moves the enrolment on when the message is stored, inside that batch, as another NEXT
        // or the planner would between the read and the batch: the batch must fail as a whole (no lesson 2 twice),
        // and the message be decided again from the moved enrolment.
        const string phone = "+8613720099002";
        await _sms.SendAsync(phone, "JOIN 11");
        await _sms.SendAsync(phone, "NEXT");   // lesson 1; the sender is cached now, so the next message takes the one-batch path
        await using var conn = await app.OpenDatabaseAsync();
        await Dapper.SqlMapper.ExecuteAsync(conn, $$"""
            CREATE FUNCTION move_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE enrolments e SET next_lesson = e.next_lesson + 1, last_lesson = e.next_lesson
                  FROM subscribers s WHERE s.id = e.subscriber_id AND s.phone = NEW.from_phone;
                RETURN NEW;
            END $$;
            CREATE TRIGGER move_enrolment AFTER INSERT ON inbound_messages FOR EACH ROW
                WHEN (NEW.from_phone = '{{phone}}') EXECUTE FUNCTION move_enrolment();
            """);
        try
        {
            Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        }
        finally
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "DROP TRIGGER move_enrolment ON inbound_messages; DROP FUNCTION move_enrolment();");
        }

        // Lesson 2 was "taken" by the concurrent move (committed with the stored message on the second path); the
        // NEXT sent lesson 3, once.
        Assert.Equal([app.Lesson("hygiene-kids", 1), app.Lesson("hygiene-kids", 3)], (await app.LessonsForAsync(phone)).Select(l => l.Body));
        Assert.Equal(4, await app.QuerySingleAsync<int>(
            "SELECT e.next_lesson FROM enrolments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.phone = @phone", new { phone }));
    }

    [Fact]
    public async Task Next_AfterTheLastLesson_SendsTheCompletionMessage_ThenListsCourses()
    {
        const string phone = "+8613720099003";
        var course = app.Courses.Find("coping-stress")!;
        await _sms.SendAsync(phone, "JOIN 13");
        for (var i = 0; i <= course.Lessons.Count; i++)
            Assert.Null(await _sms.SendAsync(phone, "NEXT"));

        var sent = await app.LessonsForAsync(phone);
        Assert.Equal(course.Lessons.Count + 1, sent.Count);
        Assert.Equal(course.CompletionMessage("en"), sent[^1].Body);
        Assert.StartsWith("You finished your courses, well done! More: 11 Hygiene for children", await _sms.SendAsync(phone, "NEXT"));
        // REPEAT still gives the last lesson; JOIN again starts over.
        Assert.Null(await _sms.SendAsync(phone, "REPEAT"));
        Assert.Equal(course.Lesson(course.Lessons.Count, "en"), (await app.LessonsForAsync(phone))[^1].Body);
        Assert.StartsWith("You joined Coping with stress and worry", await _sms.SendAsync(phone, "JOIN 13"));
        Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        Assert.Equal(course.Lesson(1, "en"), (await app.LessonsForAsync(phone))[^1].Body);
    }
}
