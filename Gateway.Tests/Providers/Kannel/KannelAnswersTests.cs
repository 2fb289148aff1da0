using System.Net;
using Gateway.Delivery;
using Gateway.Providers.Kannel;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// Answers a real Kannel does not give on a healthy loopback (the user guide's 503, a proxy's 5xx or 429, a body
/// nobody documented). Kannel's own answers come from a real Kannel in <see cref="KannelChainTests"/>.
/// </summary>
public sealed class KannelAnswersTests
{
    public sealed record Case(string Label, int Status, string Body, Type Outcome, string? Code)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("202 0: Accepted", 202, "0: Accepted for delivery", typeof(SendOutcome.Accepted), null),
        new("202 3: Queued", 202, "3: Queued for later delivery", typeof(SendOutcome.Accepted), null),
        new("503 Temporal failure", 503, "Temporal failure, try again later.", typeof(SendOutcome.RetryLater), "kannel 503"),
        new("429 from a proxy", 429, "Too Many Requests", typeof(SendOutcome.RetryLater), "kannel 429"),
        new("400 Coding field misformed", 400, "Coding field misformed, rejected", typeof(SendOutcome.Failed), "kannel 400"),
        new("404 a wrong path", 404, "Unknown request.", typeof(SendOutcome.Failed), "kannel 404"),
        new("500", 500, "Sending failed.", typeof(SendOutcome.Ambiguous), "kannel 500"),
        new("502 from a proxy, as a page", 502, "<html>" + new string('x', 5000) + "</html>", typeof(SendOutcome.Ambiguous), "kannel 502"),
        new("202 with a body nobody documented", 202, "Thanks", typeof(SendOutcome.Ambiguous), "kannel 202"),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Answer_BecomesAnOutcome(Case c)
    {
        var outcome = KannelAnswers.FromSendSms((HttpStatusCode)c.Status, c.Body, "7.abc");

        Assert.IsType(c.Outcome, outcome);
        var (code, reason) = outcome switch
        {
            SendOutcome.Accepted a => (null, a.ProviderMessageId),
            SendOutcome.RetryLater r => (r.Code, r.Reason),
            SendOutcome.Failed f => (f.Code, f.Reason),
            SendOutcome.Ambiguous a => (a.Code, a.Reason),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(c.Code, code);
        Assert.True(reason.Length <= 250, "a proxy's page is cut to a line");
    }
}
