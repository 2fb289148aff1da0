using Gateway.Subscriptions;

namespace Gateway.Tests.Subscriptions;

/// <summary>The one consent rule, as both channels apply it (docs/inbound.md "Consent"): each case is a number's record,
/// a request, and the change it must come to. The SMS and USSD tests check the same rule through their endpoints.</summary>
public sealed class ConsentRuleTests
{
    private static readonly Subscriber Active = new(1, "+8613900000901", "zh", Subscriber.Active, null, DateTime.UnixEpoch, null);
    private static readonly Subscriber OptedOut = Active with { Status = Subscriber.OptedOut, OptedOutAt = DateTime.UnixEpoch };

    public sealed record Case(string Label, Func<ConsentChange> Decide, string? Status, string[] Join, string[] Leave, string Ledger)
    {
        public override string ToString() => Label;
    }

    private const string Channel = ConsentChannel.Sms;

    public static TheoryData<Case> Cases => new()
    {
        new("stop everything: opted out, topics kept for a later START", () => ConsentRule.StopEverything(Active, "STOP", Channel),
            Subscriber.OptedOut, [], [], "opt_out all"),
        new("a second STOP changes nothing but is ledgered", () => ConsentRule.StopEverything(OptedOut, "STOP", Channel),
            null, [], [], "opt_out all"),
        new("opting back in restores the topics kept", () => ConsentRule.OptBackIn(OptedOut, ["lessons", "tips"], "START", Channel),
            Subscriber.Active, [], [], "opt_in all"),
        new("opting back in with no topics gets the default one", () => ConsentRule.OptBackIn(OptedOut, [], "START", Channel),
            Subscriber.Active, ["notices"], [], "opt_in all, opt_in notices"),
        new("joining a topic while active", () => ConsentRule.JoinTopic(Active, ["tips"], [], "lessons", "JOIN 3", Channel),
            null, ["lessons"], [], "opt_in lessons"),
        new("joining a topic while opted out: that topic only, the rest left", () => ConsentRule.JoinTopic(OptedOut, ["lessons", "tips"], ["course:hygiene-kids"], "tips", "JOIN 2", Channel),
            Subscriber.Active, ["tips"], ["lessons"], "opt_in all, opt_out lessons, opt_out course:hygiene-kids, opt_in tips"),
        new("leaving a topic, whatever the status", () => ConsentRule.LeaveTopic(OptedOut, "tips", "STOP 2", Channel),
            null, [], ["tips"], "opt_out tips"),
        new("joining a course while active", () => ConsentRule.JoinCourse(Active, ["tips"], [], "course:home-care", "JOIN 12", Channel),
            null, [], [], "opt_in course:home-care"),
        new("joining a course while opted out: that course only", () => ConsentRule.JoinCourse(OptedOut, ["tips"], ["course:hygiene-kids"], "course:home-care", "JOIN 12", Channel),
            Subscriber.Active, [], ["tips"], "opt_in all, opt_out tips, opt_out course:hygiene-kids, opt_in course:home-care"),
        new("leaving a course", () => ConsentRule.LeaveCourse(Active, "course:home-care", "STOP 12", Channel),
            null, [], [], "opt_out course:home-care"),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Request_ComesToItsChange(Case c)
    {
        var change = c.Decide();

        Assert.Equal((c.Status, string.Join(",", c.Join), string.Join(",", c.Leave), c.Ledger),
            (change.Status, string.Join(",", change.Join), string.Join(",", change.Leave), string.Join(", ", change.Ledger.Select(e => $"{e.Action} {e.Scope}"))));
    }

    [Fact]
    public void ACourseLedgeredAsLeft_IsACourseToLeave()
    {
        var change = ConsentRule.JoinTopic(OptedOut, [], ["course:hygiene-kids", "course:home-care"], "tips", "JOIN 2", Channel);
        Assert.Equal(["hygiene-kids", "home-care"], change.CoursesLeft);
    }
}
