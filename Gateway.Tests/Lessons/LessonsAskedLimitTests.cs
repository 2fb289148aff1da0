using Gateway.Tests.Providers.AfricasTalking;
using Gateway.Tests.Support;

namespace Gateway.Tests.Lessons;

/// <summary>
/// LESSONS_ASKED_PER_DAY at its default (5): NEXT, REPEAT and the USSD menu's "send my next lesson" count together per
/// number and city day; the first SMS request over it gets one reply, later ones nothing; the menu says so each time;
/// the next city day starts afresh. Over the signed Twilio webhook and Africa's Talking's form, on the real database.
/// </summary>
public sealed class LessonsAskedLimitTests(LessonsAskedLimitTests.DefaultLimitApp app) : IClassFixture<LessonsAskedLimitTests.DefaultLimitApp>
{
    public sealed class DefaultLimitApp : LessonsApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings.Remove("LESSONS_ASKED_PER_DAY");
        }
    }

    private const string LimitReply = "That is 5 lessons asked for today, the most we send in a day. Your next lesson comes tomorrow at 8:00.";

    private readonly TwilioSms _sms = new(app);

    [Fact]
    public async Task BySms_FiveLessonsADay_ThenOneReply_ThenNothing_AndTheNextDayAgain()
    {
        const string phone = "+8613740000001";
        await _sms.SendAsync(phone, "JOIN 11");
        foreach (var keyword in new[] { "NEXT", "NEXT", "REPEAT", "下一课", "NEXT" })
            Assert.Null(await _sms.SendAsync(phone, keyword));   // the lesson is the answer
        Assert.Equal(5, (await app.LessonsForAsync(phone)).Count);

        Assert.Equal(LimitReply, await _sms.SendAsync(phone, "NEXT"));
        Assert.Null(await _sms.SendAsync(phone, "REPEAT"));
        Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        Assert.Equal(5, (await app.LessonsForAsync(phone)).Count);
        // Each was stored, with what it was.
        Assert.Equal(["next_over_limit", "repeat_over_limit", "next_over_limit"], await app.QueryAsync<string>(
            "SELECT intent FROM inbound_messages WHERE from_phone = @phone ORDER BY id DESC LIMIT 3", new { phone }).ContinueWith(t => t.Result.Reverse().ToList()));

        app.AdvanceToDay(1, new TimeOnly(10, 0));
        Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        Assert.Equal(6, (await app.LessonsForAsync(phone)).Count);
    }

    [Fact]
    public async Task UssdAndSmsCountTogether_AndTheMenuSaysSoEveryTime()
    {
        const string phone = "+8613740000002";
        await _sms.SendAsync(phone, "JOIN 11");
        for (var i = 0; i < 2; i++)
            Assert.Equal("END Your next lesson of Hygiene for children is on its way by SMS.", await NextLessonByUssdAsync(phone));
        for (var i = 0; i < 3; i++)
            Assert.Null(await _sms.SendAsync(phone, "NEXT"));
        Assert.Equal(5, (await app.LessonsForAsync(phone)).Count);

        for (var i = 0; i < 2; i++)
            Assert.StartsWith("CON Limit reached. More tomorrow.\nTeach children handwashing", await NextLessonByUssdAsync(phone));
        Assert.Equal(LimitReply, await _sms.SendAsync(phone, "NEXT"));
        Assert.Equal(5, (await app.LessonsForAsync(phone)).Count);
    }

    /// <summary>Dials, starts over if the menu offers to resume, then Lessons (2), the first course (1), "Send my next lesson" (2).</summary>
    private async Task<string> NextLessonByUssdAsync(string phone)
    {
        var s = new UssdSession(app.CreateClient(), phone);
        if ((await s.Dial()).StartsWith("CON Welcome back.", StringComparison.Ordinal))
            await s.Press("2");
        await s.Press("2");
        await s.Press("1");
        return await s.Press("2");
    }

    [Fact]
    public async Task ManyAtOnce_NeverMoreThanTheLimit()
    {
        const string phone = "+8613740000003";
        await _sms.SendAsync(phone, "JOIN 12");

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _sms.SendAsync(phone, "NEXT")));

        Assert.Equal(5, (await app.LessonsForAsync(phone)).Count);
    }
}
