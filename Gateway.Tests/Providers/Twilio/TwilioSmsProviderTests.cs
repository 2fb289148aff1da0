using System.Net;
using System.Net.Sockets;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;
using Gateway.Providers.Twilio;
using Gateway.Tests.Support;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>The Twilio provider alone: the real SDK against the fake Twilio, and the error table of TwilioErrors.</summary>
public sealed class TwilioSmsProviderTests : IAsyncLifetime
{
    private readonly FakeTwilio _twilio = FakeTwilio.Start();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _twilio.DisposeAsync().AsTask();

    internal static TwilioSmsProvider Provider(Uri apiBaseUrl, string? messagingServiceSid = FakeTwilio.MessagingServiceSid, string? from = null) => new(
        TwilioApi.CreateClient(new TwilioOptions
        {
            AccountSid = FakeTwilio.AccountSid,
            AuthToken = FakeTwilio.AuthToken,
            ApiBaseUrl = apiBaseUrl.ToString(),
            RequestTimeout = TimeSpan.FromSeconds(1),
        }),
        Options.Create(new TwilioOptions { MessagingServiceSid = messagingServiceSid, FromNumber = from }),
        Options.Create(new GatewayOptions { PublicBaseUrl = GatewayApp.PublicBaseUrl }),
        TimeProvider.System);

    private static OutgoingSms Sms(string to, string body = "Wear a mask in crowded places.") =>
        new(7, to, body, SmsEncoding.Gsm7, 1, DateTimeOffset.UtcNow.AddHours(4));

    public sealed record Case(string Label, FakeReply Reply, Type Outcome, string? Code)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Replies => new()
    {
        new("201", FakeReply.Accept, typeof(SendOutcome.Accepted), null),
        new("400 21610", FakeReply.OptedOut, typeof(SendOutcome.RecipientOptedOut), "21610"),
        new("400 21211", FakeReply.InvalidNumber, typeof(SendOutcome.InvalidNumber), "21211"),
        new("400 21614", FakeReply.NotMobile, typeof(SendOutcome.InvalidNumber), "21614"),
        new("429 with Retry-After", FakeReply.Throttle, typeof(SendOutcome.RetryLater), "20429"),
        new("500", FakeReply.ServerError, typeof(SendOutcome.Ambiguous), "500"),
        new("accepted, then no answer before the timeout", FakeReply.Stall, typeof(SendOutcome.Ambiguous), null),
    };

    [Theory, MemberData(nameof(Replies))]
    public async Task TwiliosAnswer_BecomesTheGatewaysOutcome(Case c)
    {
        const string to = "+8613800138000";
        _twilio.Script(to, c.Reply);

        var outcome = await Provider(_twilio.BaseUrl).SendAsync(Sms(to), CancellationToken.None);

        Assert.IsType(c.Outcome, outcome);
        var code = outcome switch
        {
            SendOutcome.RecipientOptedOut o => o.Code,
            SendOutcome.InvalidNumber n => n.Code,
            SendOutcome.RetryLater r => r.Code,
            SendOutcome.Ambiguous a => a.Code,
            _ => null,
        };
        Assert.Equal(c.Code, code);
        if (outcome is SendOutcome.RetryLater retry) Assert.Equal(_twilio.RetryAfter, retry.RetryAfter);
    }

    [Fact]
    public async Task NobodyListening_IsSafeToRetry()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var outcome = await Provider(new Uri($"http://127.0.0.1:{port}")).SendAsync(Sms("+8613800138000"), CancellationToken.None);

        Assert.IsType<SendOutcome.RetryLater>(outcome);
    }

    [Fact]
    public async Task FromNumber_IsSentWhenThereIsNoMessagingService()
    {
        const string to = "+8613800138001";
        await Provider(_twilio.BaseUrl, messagingServiceSid: null, from: "+15017122661").SendAsync(Sms(to), CancellationToken.None);

        var request = Assert.Single(_twilio.RequestsTo(to));
        Assert.Equal("+15017122661", request.From);
        Assert.Null(request.MessagingServiceSid);
    }

    [Fact]
    public async Task Find_MatchesBodyAndTime_OfTheNewestMessagesToTheNumber()
    {
        const string to = "+8613800138002";
        var provider = Provider(_twilio.BaseUrl);
        var sent = (SendOutcome.Accepted)await provider.SendAsync(Sms(to, "Lesson 3 of 14"), CancellationToken.None);

        var found = await provider.FindAsync(Sms(to, "Lesson 3 of 14"), DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        var otherBody = await provider.FindAsync(Sms(to, "Lesson 4 of 14"), DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        var tooOld = await provider.FindAsync(Sms(to, "Lesson 3 of 14"), DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        Assert.Equal(sent.ProviderMessageId, Assert.IsType<LookupOutcome.Found>(found).ProviderMessageId);
        Assert.IsType<LookupOutcome.NotFound>(otherBody);
        Assert.IsType<LookupOutcome.NotFound>(tooOld);
    }

    public sealed record ErrorCase(string Label, ApiException Error, HttpStatusCode? Status, Type Outcome)
    {
        public override string ToString() => Label;
    }

    // The shapes the SDK produces (protocols.md §5.4), including those where it drops the HTTP status.
    public static TheoryData<ErrorCase> Errors => new()
    {
        new("429 with an empty body: Code=0, Status=0", new ApiException("Api Error: TooManyRequests - "), null, typeof(SendOutcome.RetryLater)),
        new("500 with an HTML body: Code=0, Status=0", new ApiException("Api Error: InternalServerError - <html>oops</html>"), null, typeof(SendOutcome.Ambiguous)),
        new("503 seen by our handler", new ApiException("Api Error: ServiceUnavailable - "), HttpStatusCode.ServiceUnavailable, typeof(SendOutcome.Ambiguous)),
        new("21635 landline", new ApiException(21635, 400, "'To' number cannot be a landline", "", null, null), null, typeof(SendOutcome.InvalidNumber)),
        new("20003 bad credentials", new ApiException(20003, 401, "Authenticate", "", null, null), null, typeof(SendOutcome.RetryLater)),
        new("422 from a schema check", new ApiException(0, 422, "Unable to make request, UnprocessableEntity", "", null, null), null, typeof(SendOutcome.Failed)),
        new("an unknown 4xx code", new ApiException(21999, 400, "Something new", "", null, null), null, typeof(SendOutcome.Failed)),
    };

    [Theory, MemberData(nameof(Errors))]
    public void SdkErrors_AreTranslatedInOnePlace(ErrorCase c) =>
        Assert.IsType(c.Outcome, TwilioErrors.FromApiError(c.Error, c.Status, null));

    [Theory]
    [InlineData("delivered", null, 5, "delivered", ReportProblem.None)]
    [InlineData("read", null, 6, "delivered", ReportProblem.None)]
    [InlineData("sent", null, 3, null, ReportProblem.None)]
    [InlineData("accepted", null, 1, null, ReportProblem.None)]
    [InlineData("undelivered", "30003", 4, "undelivered", ReportProblem.Retryable)]
    [InlineData("undelivered", "30008", 4, "undelivered", ReportProblem.Retryable)]
    [InlineData("undelivered", "30007", 4, "undelivered", ReportProblem.None)]
    [InlineData("failed", "21610", 4, "failed", ReportProblem.RecipientOptedOut)]
    [InlineData("undelivered", "30005", 4, "undelivered", ReportProblem.BadNumber)]
    public void StatusCallbacks_AreRankedAndTranslated(string status, string? code, int rank, string? outcome, ReportProblem problem)
    {
        var report = TwilioErrors.ToReport("SM1", null, status, code)!;

        Assert.Equal((rank, outcome, problem), (report.Rank, report.Outcome, report.Problem));
    }
}
