using Gateway.Ussd;
using static Gateway.Tests.Ussd.UssdTestMenus;

namespace Gateway.Tests.Ussd;

/// <summary>
/// The menu state machine alone: no database, no HTTP. Each case dials, presses keys (and, where the menu asks for an
/// action, takes the outcome written "=outcome"), and states where the resident ends up. Cases assert on screen ids,
/// pages, items and actions rather than wording, so that content editors can reword menus without breaking them.
/// </summary>
public sealed class UssdMenuTests
{
    public enum Who { Unknown, ReceivingTips, OptedOutWithTips, KnownEnglish }

    public sealed record Case(string Label, Who Who, string Keys, string Screen, string? Item = null, int Page = 0,
        string Language = "zh", bool End = false, string? Action = null, string? Above = null, bool Large = false)
    {
        public override string ToString() => Label;
    }

    /// <summary>
    /// Keys: what the resident presses, space-separated ("_" stands for a space inside a key); "=outcome" completes the
    /// action the menu asked for; "@last" presses 98 up to the last page. Above: "invalid" (the error line),
    /// "say:action.outcome" (that outcome's message) or null (no line above the screen).
    /// </summary>
    public static TheoryData<Case> Cases => new()
    {
        new("dial: main menu in DEFAULT_LANGUAGE for a number we do not know", Who.Unknown, "", "main"),
        new("dial: main menu in the subscriber's language", Who.KnownEnglish, "", "main", Language: "en"),
        new("1: today's tip", Who.Unknown, "1", "tip"),
        new("2: the course list", Who.Unknown, "2", "courses"),
        new("2 3: a course, the third on the list", Who.Unknown, "2 3", "course", Item: "coping-stress"),
        new("0 goes back one screen", Who.Unknown, "2 3 0", "courses"),
        new("00 returns to the main menu from anywhere", Who.Unknown, "3 1 00", "main"),
        new("00 from the main menu stays there", Who.Unknown, "00", "main"),
        new("a choice that is not on the screen: same screen, error line", Who.Unknown, "9", "main", Above: "invalid"),
        new("letters: same screen, error line", Who.Unknown, "2 abc", "courses", Above: "invalid"),
        new("a leading zero is not a choice", Who.Unknown, "01", "main", Above: "invalid"),
        new("spaces around a choice are ignored (_ is a space)", Who.Unknown, "_2_", "courses"),
        new("0 on the main menu: nowhere to go back to", Who.Unknown, "0", "main", Above: "invalid"),
        new("98 on a list that fits one page", Who.Unknown, "2 98", "courses", Above: "invalid"),
        new("98 on a screen without a list", Who.Unknown, "1 98", "tip", Above: "invalid"),
        new("the error line goes with the next good input", Who.Unknown, "9 2", "courses"),
        new("an invalid input keeps the place", Who.Unknown, "3 1 7 0", "subscriptions"),
        new("toggle a topic the number does not receive: turn it on", Who.Unknown, "3 1 2", "topics", Action: "toggle-topic:tips:on"),
        new("toggle a topic the number receives: turn it off", Who.ReceivingTips, "3 1 2", "topics", Action: "toggle-topic:tips:off"),
        new("after a toggle: the same list, no message (the list shows the new state)", Who.ReceivingTips, "3 1 2 =left", "topics"),
        new("opted out: every topic shows off, so choosing one asks to turn it on", Who.OptedOutWithTips, "3 1 2", "topics", Action: "toggle-topic:tips:on"),
        new("opted out: an explicit confirmation comes first", Who.OptedOutWithTips, "3 1 2 =needs-opt-in", "confirm-resubscribe", Item: "tips"),
        new("opted out: yes is the explicit opt-in", Who.OptedOutWithTips, "3 1 2 =needs-opt-in 1", "confirm-resubscribe", Item: "tips", Action: "resubscribe:tips"),
        new("opted out: after the opt-in, back on the topic list with a message", Who.OptedOutWithTips, "3 1 2 =needs-opt-in 1 =joined", "topics", Above: "say:resubscribe.joined"),
        new("opted out: 0 declines and goes back to the list", Who.OptedOutWithTips, "3 1 2 =needs-opt-in 0", "topics"),
        new("6 on the main menu switches to the other language", Who.Unknown, "6", "main", Action: "switch-language::en"),
        new("after the switch the main menu is in English", Who.Unknown, "6 =done", "main", Language: "en"),
        new("an English menu switches to Chinese", Who.KnownEnglish, "6 =done", "main", Language: "zh"),
        new("language screen: English", Who.Unknown, "3 2 2", "language", Action: "set-language::en"),
        new("after choosing a language: back to my subscriptions, in it, with a message", Who.Unknown, "3 2 2 =done", "subscriptions", Language: "en", Above: "say:set-language.done"),
        new("tip hour: the list of hours", Who.Unknown, "3 3", "tip-hour"),
        new("tip hour: the 13th choice is 20:00", Who.Unknown, "3 3 13", "tip-hour", Action: "set-tip-hour:20"),
        new("tip hour: back to my subscriptions with a message", Who.Unknown, "3 3 1 =done", "subscriptions", Above: "say:set-tip-hour.done"),
        new("counsellor: asking for a call back", Who.Unknown, "4 1", "counsellor", Action: "request-callback"),
        new("counsellor: the request is recorded and the session ends", Who.Unknown, "4 1 =recorded", "counsellor", End: true),
        new("course: start it", Who.Unknown, "2 1 1", "course", Item: "hygiene-kids", Action: "enrol-course:hygiene-kids"),
        new("course: already on it, the same screen with a message", Who.Unknown, "2 1 1 =already", "course", Item: "hygiene-kids", Above: "say:enrol-course.already"),
        new("course: next lesson", Who.Unknown, "2 2 2", "course", Item: "prevention-basics", Action: "next-lesson:prevention-basics"),
        new("my information for a number we do not know", Who.Unknown, "5", "my-info"),
        new("how we use it", Who.Unknown, "5 1", "privacy"),
        new("stop all: confirm first", Who.ReceivingTips, "5 2", "confirm-opt-out"),
        new("stop all: yes", Who.ReceivingTips, "5 2 1", "confirm-opt-out", Action: "opt-out-all"),
        new("stop all: the final screen", Who.ReceivingTips, "5 2 1 =done", "confirm-opt-out", End: true),
        new("delete: confirm first", Who.ReceivingTips, "5 3", "confirm-delete"),
        new("delete: yes", Who.ReceivingTips, "5 3 1", "confirm-delete", Action: "delete-my-data"),
        new("delete: the final screen", Who.ReceivingTips, "5 3 1 =deleted", "confirm-delete", End: true),
        new("a long list: the first page", Who.Unknown, "2", "courses", Large: true),
        new("a long list: 98 shows the next page", Who.Unknown, "2 98", "courses", Page: 1, Large: true),
        new("a long list: 0 on page 2 goes back to page 1", Who.Unknown, "2 98 0", "courses", Large: true),
        new("a long list: 0 on page 1 leaves the list", Who.Unknown, "2 98 0 0", "main", Large: true),
        new("a long list: 00 leaves from any page", Who.Unknown, "2 98 98 00", "main", Large: true),
        new("a long list: choices are numbered from 1 on every page", Who.Unknown, "2 98 1", "course", Item: "@first-of-page-2", Large: true),
        new("a long list: a number beyond the page is invalid", Who.Unknown, "2 98 9", "courses", Page: 1, Above: "invalid", Large: true),
        new("a long list: the last page has no 98", Who.Unknown, "2 @last 98", "courses", Page: -1, Above: "invalid", Large: true),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Walk(Case c)
    {
        var menu = c.Large ? Largest : Real;
        var facts = FactsFor(c.Who);
        var step = menu.Start(facts, interrupted: null);
        foreach (var key in c.Keys.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (key.StartsWith('='))
            {
                Assert.NotNull(step.Action);
                step = menu.Complete(step.State, step.Action, key[1..], facts);
            }
            else if (key == "@last")
            {
                while (step.State.Top.Page < menu.PageCount(step.State.Top.Screen, step.State.Language) - 1)
                    step = menu.Next(step.State, UssdMenu.MoreInput, facts);
            }
            else
            {
                Assert.Null(step.Action);
                step = menu.Next(step.State, key.Replace('_', ' '), facts);
            }
        }

        Assert.Equal(c.Screen, step.State.Top.Screen);
        Assert.Equal(c.Language, step.State.Language);
        var expectedPage = c.Page == -1 ? menu.PageCount(c.Screen, c.Language) - 1 : c.Page;
        Assert.Equal(expectedPage, step.State.Top.Page);
        var expectedItem = c.Item == "@first-of-page-2" ? FirstCourseOfPage2(menu) : c.Item;
        Assert.Equal(expectedItem, step.State.Top.Item);

        if (c.Action is not null)
        {
            Assert.NotNull(step.Action);
            var parts = c.Action.Split(':');
            Assert.Equal(parts[0], step.Action.Name);
            Assert.Equal(parts.Length > 1 && parts[1] != "" ? parts[1] : null, step.Action.Item);
            Assert.Equal(parts.Length > 2 ? parts[2] : null, step.Action.Value);
            return;
        }
        Assert.Null(step.Action);
        Assert.NotNull(step.Reply);
        Assert.Equal(c.End, step.Reply.End);
        if (c.End) return;

        var firstLine = step.Reply.Text.Split('\n')[0];
        var plain = menu.Show(step.State, facts);
        switch (c.Above)
        {
            case null:
                Assert.Equal(plain.Text, step.Reply.Text);
                break;
            case "invalid":
                Assert.Equal(menu.Menus.Words.Invalid!.In(c.Language), firstLine);
                Assert.Equal(firstLine + "\n" + plain.Text, step.Reply.Text);
                break;
            default:
                var (action, outcome) = (c.Above[4..].Split('.')[0], c.Above[4..].Split('.')[1]);
                var say = menu.Menus.Outcomes[action][outcome].Say!.In(c.Language);
                Assert.StartsWith(say.Split('{')[0], firstLine);
                Assert.Equal(firstLine + "\n" + plain.Text, step.Reply.Text);
                break;
        }
    }

    private static UssdFacts FactsFor(Who who) => who switch
    {
        Who.Unknown => Unknown("zh"),
        Who.ReceivingTips => Receiving("zh", "tips"),
        Who.OptedOutWithTips => OptedOut("zh", "tips"),
        Who.KnownEnglish => Receiving("en"),
        _ => throw new ArgumentOutOfRangeException(nameof(who)),
    };

    // Page 2 of the course list starts where page 1 ended: choice 1 there is the course after page 1's last.
    private static string FirstCourseOfPage2(UssdMenu menu)
    {
        var onPage1 = menu.Choices(menu.Next(menu.Start(Unknown(), null).State, "2", Unknown()).State).Count;
        return menu.Content.Courses[onPage1].Key;
    }

    [Fact]
    public void Screens_ShowFacts_TodaysTip_TopicStates_AndWhatWeKeep()
    {
        var menu = Real;
        var facts = Receiving("en", "tips");
        var tip = menu.Next(menu.Start(facts, null).State, "1", facts).Reply!.Text;
        Assert.Contains(menu.Content.Tips[Gateway.Lessons.DailyTips.IndexForDay(Today, menu.Content.Tips.Count)].En, tip);

        var topics = menu.Next(menu.Next(menu.Start(facts, null).State, "3", facts).State, "1", facts).Reply!.Text;
        Assert.Contains("Daily health tip: ON", topics);
        Assert.Contains("Prevention notices: OFF", topics);

        var info = menu.Next(menu.Start(facts, null).State, "5", facts).Reply!.Text;
        Assert.Contains("+86138****0001", info);
        Assert.DoesNotContain("+8613800000001", info);
        Assert.Contains("topics 2", info);
        Assert.Contains("2026-03-02", info);
        Assert.Contains(menu.Menus.Screens["my-info"].UnknownText!.En.Replace("{phone}", "+86138****0001"),
            menu.Next(menu.Start(Unknown("en"), null).State, "5", Unknown("en")).Reply!.Text);
    }

    [Fact]
    public void TheTipChangesWithTheCityDate()
    {
        var menu = Real;
        string TipOn(DateOnly day)
        {
            var facts = Unknown() with { Today = day };
            return menu.Next(menu.Start(facts, null).State, "1", facts).Reply!.Text;
        }
        Assert.NotEqual(TipOn(Today), TipOn(Today.AddDays(1)));
        Assert.Equal(TipOn(Today), TipOn(Today.AddDays(menu.Content.Tips.Count)));
    }

    public sealed record ResumeCase(string Label, string? InterruptedAt, string Keys, string Screen, bool Offered)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<ResumeCase> ResumeCases => new()
    {
        new("no earlier session: the main menu", null, "", "main", Offered: false),
        new("interrupted on the main menu: nothing to resume", "main", "", "main", Offered: false),
        new("interrupted deeper: offered", "main>subscriptions>topics", "", "resume", Offered: true),
        new("1 continues where it was left", "main>subscriptions>topics", "1", "topics", Offered: true),
        new("continuing keeps the way back", "main>subscriptions>topics", "1 0", "subscriptions", Offered: true),
        new("2 starts over", "main>subscriptions>topics", "2", "main", Offered: true),
        new("00 starts over too", "main>subscriptions>topics", "00", "main", Offered: true),
        new("a wrong key keeps the offer", "main>subscriptions>topics", "5", "resume", Offered: true),
        new("interrupted on the offer itself: the place before is offered again", "resume:main>courses", "1", "courses", Offered: true),
        new("a place the menu no longer has: the main menu", "main>no-such-screen", "", "main", Offered: false),
    };

    [Theory, MemberData(nameof(ResumeCases))]
    public void Resume(ResumeCase c)
    {
        var menu = Real;
        var facts = Unknown();
        UssdState? interrupted = null;
        if (c.InterruptedAt is { } at)
        {
            var onOffer = at.StartsWith("resume:");
            var stack = at.Replace("resume:", "").Split('>').Select(s => new UssdFrame(s)).ToList();
            interrupted = new UssdState("en", stack);
            if (onOffer) interrupted = new UssdState("en", [new UssdFrame(UssdMenus.ResumeScreen)], interrupted);
        }

        var step = menu.Start(facts, interrupted);
        Assert.Equal(c.Offered, step.State.Top.Screen == UssdMenus.ResumeScreen);
        foreach (var key in c.Keys.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            step = menu.Next(step.State, key, facts);

        Assert.Equal(c.Screen, step.State.Top.Screen);
        // The resumed place keeps the language it was left in.
        if (c.Offered) Assert.Equal("en", step.State.Language);
        if (step.State.Top.Screen != UssdMenus.ResumeScreen) Assert.Null(step.State.Interrupted);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"language\":\"en\",\"stack\":[]}")]
    [InlineData("{\"language\":\"en\",\"stack\":\"main\"}")]
    public void StoredState_ThatCannotBeRead_IsNull(string json) => Assert.Null(UssdState.TryFromJson(json));

    [Fact]
    public void StoredState_SurvivesJson()
    {
        var state = new UssdState("en", [new UssdFrame("main"), new UssdFrame("courses", 1), new UssdFrame("course", 0, "home-care")],
            new UssdState("zh", [new UssdFrame("main")]));
        var back = UssdState.FromJson(state.ToJson());
        Assert.Equal(state.ToString(), back.ToString());
        Assert.Equal(state.Stack, back.Stack);
    }
}
