using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Support;

/// <summary>How the fake answers one create request.</summary>
public enum FakeReply
{
    /// <summary>201 with a new SM sid.</summary>
    Accept,
    /// <summary>400, code 21610: the recipient opted out at the carrier.</summary>
    OptedOut,
    /// <summary>400, code 21211: invalid 'To' number.</summary>
    InvalidNumber,
    /// <summary>400, code 21614: not a mobile number.</summary>
    NotMobile,
    /// <summary>429, code 20429, with Retry-After.</summary>
    Throttle,
    /// <summary>500 with an HTML body; the message was not created.</summary>
    ServerError,
    /// <summary>Creates the message, then never answers: the client times out after the request was processed.</summary>
    Stall,
    /// <summary>Holds the request until <see cref="FakeTwilio.ReleaseHeld"/>, then 201: a hand-off still in flight.</summary>
    Hold,
}

/// <summary>One create request as the fake received it. <paramref name="ArrivedTicks"/> is a Stopwatch timestamp.</summary>
public sealed record FakeTwilioRequest(string AccountSid, string To, string Body, string? From, string? MessagingServiceSid,
    string? StatusCallback, string? ValidityPeriod, long ArrivedTicks, FakeReply Reply, string? Sid, DateTimeOffset CreatedAt);

/// <summary>
/// A local stand-in for Twilio's Messages API (Kestrel on 127.0.0.1, a free port) for behaviour tests and the
/// benchmark: POST …/Messages.json answers as scripted per recipient (default 201), GET …/Messages.json lists what
/// was created (for reconciliation). Every request is recorded with its arrival time. The real Twilio SDK talks
/// to it through the gateway's TWILIO_API_BASE_URL.
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "fake-twilio-auth-token";
    public const string MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeReply>> _scripts = new();
    private readonly ConcurrentQueue<FakeTwilioRequest> _requests = new();
    private readonly ConcurrentQueue<long> _lookups = new();
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _holding;
    private long _sids;

    private FakeTwilio(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Time taken before answering each create request.</summary>
    public TimeSpan Latency { get; set; }

    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(7);

    /// <summary>The clock stamped as date_created (tests pass the gateway's fake clock).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public IReadOnlyList<FakeTwilioRequest> Requests => _requests.ToArray();

    public IReadOnlyList<FakeTwilioRequest> RequestsTo(string to) => _requests.Where(r => r.To == to).ToArray();

    /// <summary>When each list request ("did this message reach you?") arrived, as Stopwatch timestamps.</summary>
    public IReadOnlyList<long> Lookups => _lookups.ToArray();

    /// <summary>Requests held by <see cref="FakeReply.Hold"/> right now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>Lets every held request go on to its 201.</summary>
    public void ReleaseHeld() => Interlocked.Exchange(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Forgets the requests recorded so far (between benchmark phases).</summary>
    public void Clear()
    {
        _requests.Clear();
        _lookups.Clear();
    }

    /// <summary>The next requests to <paramref name="to"/> get these replies, in order; then 201 again.</summary>
    public void Script(string to, params FakeReply[] replies)
    {
        var queue = _scripts.GetOrAdd(to, _ => new ConcurrentQueue<FakeReply>());
        foreach (var reply in replies) queue.Enqueue(reply);
    }

    public static FakeTwilio Start()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{account}/Messages.json", (string account, HttpContext context) => fake.CreateAsync(account, context));
        app.MapGet("/2010-04-01/Accounts/{account}/Messages.json", (string account, string? to) => fake.List(account, to));
        app.StartAsync().GetAwaiter().GetResult();
        fake.BaseUrl = new Uri(app.Urls.First());
        return fake;
    }

    private async Task<IResult> CreateAsync(string account, HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal))
            return Error(401, 20003, "Authenticate");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var to = form["To"].ToString();
        var body = form["Body"].ToString();
        if (to.Length == 0) return Error(400, 21604, "A 'To' phone number is required.");

        var reply = _scripts.TryGetValue(to, out var queue) && queue.TryDequeue(out var scripted) ? scripted : FakeReply.Accept;
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, context.RequestAborted);
        if (reply == FakeReply.Hold)
        {
            Interlocked.Increment(ref _holding);
            try
            {
                await Volatile.Read(ref _held).Task.WaitAsync(context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _holding);
            }
        }

        var created = reply is FakeReply.Accept or FakeReply.Stall or FakeReply.Hold;
        var sid = created ? $"SM{Interlocked.Increment(ref _sids):x32}" : null;
        var request = new FakeTwilioRequest(account, to, body, NullIfEmpty(form["From"]), NullIfEmpty(form["MessagingServiceSid"]),
            NullIfEmpty(form["StatusCallback"]), NullIfEmpty(form["ValidityPeriod"]), arrived, reply, sid, Clock.GetUtcNow());
        _requests.Enqueue(request);

        switch (reply)
        {
            case FakeReply.Accept or FakeReply.Hold:
                return Results.Text(MessageJson(request), "application/json", statusCode: 201);
            case FakeReply.Stall:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return Results.Empty;
            case FakeReply.OptedOut:
                return Error(400, 21610, "Attempt to send to unsubscribed recipient");
            case FakeReply.InvalidNumber:
                return Error(400, 21211, $"Invalid 'To' Phone Number: {to}");
            case FakeReply.NotMobile:
                return Error(400, 21614, $"'To' number {to} is not a valid mobile number");
            case FakeReply.Throttle:
                context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return Error(429, 20429, "Too Many Requests");
            default:
                return Results.Text("<html>oops</html>", "text/html", statusCode: 500);
        }
    }

    private IResult List(string account, string? to)
    {
        _lookups.Enqueue(Stopwatch.GetTimestamp());
        var messages = _requests.Where(r => r.Sid is not null && (to is null || r.To == to)).Reverse().Take(50).Select(MessageJson);
        var json = $$"""
            {"messages": [{{string.Join(",", messages)}}], "end": 0, "first_page_uri": null, "next_page_uri": null, "page": 0,
             "page_size": 50, "previous_page_uri": null, "start": 0, "uri": "/2010-04-01/Accounts/{{account}}/Messages.json"}
            """;
        return Results.Text(json, "application/json");
    }

    // Written by hand: the benchmark runs this once per message, in the same process as the gateway it measures.
    private static string MessageJson(FakeTwilioRequest r)
    {
        var date = r.CreatedAt.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        return $$"""
            {"account_sid": "{{r.AccountSid}}", "api_version": "2010-04-01", "body": {{Json(r.Body)}}, "date_created": "{{date}}",
             "date_sent": null, "date_updated": "{{date}}", "direction": "outbound-api", "error_code": null, "error_message": null,
             "from": {{Json(r.From)}}, "messaging_service_sid": {{Json(r.MessagingServiceSid)}}, "num_media": "0", "num_segments": "1",
             "price": null, "price_unit": "USD", "sid": "{{r.Sid}}", "status": "{{(r.MessagingServiceSid is null ? "queued" : "accepted")}}",
             "to": {{Json(r.To)}}, "uri": "/2010-04-01/Accounts/{{r.AccountSid}}/Messages/{{r.Sid}}.json"}
            """;
    }

    private static string Json(string? value) => value is null ? "null" : $"\"{JsonEncodedText.Encode(value)}\"";

    private static IResult Error(int status, int code, string message) => Results.Text(
        JsonSerializer.Serialize(new { code, message, more_info = $"https://www.twilio.com/docs/errors/{code}", status }),
        "application/json", statusCode: status);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
