using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Providers.Kannel;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// Reading a resident's message from the request smsbox makes for the sms-service URL (the endpoint around it:
/// <see cref="KannelSmsEndpointsTests"/>, and the whole chain: <see cref="KannelChainTests"/>). The queries below are as Kannel 1.4.5 sent them; the last test
/// has a real Kannel send them, with mo-recode on and off.
/// </summary>
public sealed class KannelIncomingSmsTests
{
    private const string Token = "mo-token-0123456789abcdef";
    private const string Id = "5b3bc369-c4b9-4d2e-a42e-ac4624dbe3ca";

    private static string Query(string text, string coding = "0", string charset = "UTF-8", string token = Token) =>
        $"?token={token}&from=%2B8613800138002&to=12345&text={text}&ts=1796230455&id={Id}&coding={coding}&charset={charset}";

    public sealed record Case(string Label, string RawQuery, string Text)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Texts => new()
    {
        new("English, spaces as '+'", Query("Hello+from+phone"), "Hello from phone"),
        new("Chinese recoded to UTF-8 (mo-recode = true)", Query("%E8%AE%A2%E9%98%85+%E4%BD%A0%E5%A5%BD"), "订阅 你好"),
        new("accents and the euro sign in UTF-8", Query("caf%C3%A9+%E2%82%AC5"), "café €5"),
        new("UCS-2 as raw UTF-16BE (no mo-recode)", Query("O%60Y%7DN%16uL", "2", "UTF-16BE"), "你好世界"),
        new("UTF-16BE whose 0x20 bytes Kannel wrote as '+'", Query("%8B%A2%96%05%00+O%60Y%7D", "2", "UTF-16BE"), "订阅 你好"),
        new("recoded to WINDOWS-1252, which mo-recode may choose", Query("caf%E9+%805", charset: "WINDOWS-1252"), "café €5"),
        new("8-bit data, byte for byte", Query("%E9t%E9", "1", "8-BIT"), "été"),
        new("an empty message", Query(""), ""),
    };

    [Theory, MemberData(nameof(Texts))]
    public void KannelsRequest_GivesTheResidentsText(Case c)
    {
        var parsed = Assert.IsType<KannelMoRequest.Parsed>(KannelIncomingSms.Parse(c.RawQuery, Token));

        Assert.Equal(new KannelIncomingSms("+8613800138002", "12345", c.Text, Id, DateTimeOffset.FromUnixTimeSeconds(1796230455)), parsed.Sms);
    }

    public sealed record Bad(string Label, string RawQuery, string? ConfiguredToken, Type Result, string Reason)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Bad> BadRequests => new()
    {
        new("no token", Query("JOIN").Replace($"token={Token}&", ""), Token, typeof(KannelMoRequest.Refused), "missing the callback token"),
        new("another token", Query("JOIN", token: "another-token-0123456789"), Token, typeof(KannelMoRequest.Refused), "wrong callback token"),
        new("no token configured", Query("JOIN"), null, typeof(KannelMoRequest.Refused), "KANNEL_CALLBACK_TOKEN is not set"),
        new("no sender", Query("JOIN").Replace("from=%2B8613800138002&", ""), Token, typeof(KannelMoRequest.Invalid), "from: the sender (%p) is required"),
        new("no receiver", Query("JOIN").Replace("to=12345&", ""), Token, typeof(KannelMoRequest.Invalid), "to: the receiver (%P) is required"),
        new("no Kannel id", Query("JOIN").Replace($"id={Id}&", ""), Token, typeof(KannelMoRequest.Invalid), "id: Kannel's message id (%I) is required"),
        new("a charset Kannel does not send", Query("JOIN", charset: "EBCDIC"), Token, typeof(KannelMoRequest.Invalid), "charset: 'EBCDIC'"),
        new("ts not Unix time", Query("JOIN").Replace("ts=1796230455", "ts=2026-12-02"), Token, typeof(KannelMoRequest.Invalid), "ts: '2026-12-02'"),
    };

    [Theory, MemberData(nameof(BadRequests))]
    public void BadRequests_AreRefusedWithAReason(Bad c)
    {
        var result = KannelIncomingSms.Parse(c.RawQuery, c.ConfiguredToken);

        Assert.IsType(c.Result, result);
        Assert.Contains(c.Reason, result switch
        {
            KannelMoRequest.Refused r => r.Reason,
            KannelMoRequest.Invalid i => i.Reason,
            _ => "",
        });
    }

    [Fact]
    public async Task WhatARealKannelSends_ParsesToWhatTheResidentWrote()
    {
        await using var gateway = await RequestRecorder.StartAsync();
        var setups = new[] { true, false }.Select(recode => new KannelSetup { GatewayBaseUrl = gateway.BaseUrl, CallbackToken = Token, MoRecode = recode });
        var kannels = await Task.WhenAll(setups.Select(s => LocalKannel.StartAsync(s)));
        try
        {
            string[] texts = ["JOIN 12", "订阅 健康 提示", "退订"];
            foreach (var (kannel, k) in kannels.Select((kannel, k) => (kannel, k)))
            {
                var from = $"+861380013{k}000";
                await kannel.Smsc!.SendTextAsync(from, "12345", texts[0]);
                await kannel.Smsc.SendUcs2Async(from, "12345", texts[1]);
                await kannel.Smsc.SendUcs2Async(from, "12345", texts[2]);
            }
            var queries = await gateway.WaitForAsync(2 * texts.Length);

            var parsed = queries.Select(q => Assert.IsType<KannelMoRequest.Parsed>(KannelIncomingSms.Parse(q, Token)).Sms).ToList();
            foreach (var k in new[] { 0, 1 })
            {
                var fromThisKannel = parsed.Where(p => p.From == $"+861380013{k}000").ToList();
                Assert.Equal(texts.Order(), fromThisKannel.Select(p => p.Text).Order());
                Assert.All(fromThisKannel, p => Assert.Equal("12345", p.To));
                Assert.Equal(3, fromThisKannel.Select(p => p.KannelId).Distinct().Count());
                Assert.All(fromThisKannel, p => Assert.InRange(p.SentAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1)));
            }
            // Without mo-recode the Chinese texts came as UTF-16BE: the case the parser must decode from raw bytes.
            Assert.Equal(2, queries.Count(q => q.Contains("charset=UTF-16BE", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var kannel in kannels) await kannel.DisposeAsync();
        }
    }

    /// <summary>Stands where the gateway's sms endpoint is, and keeps each raw query string Kannel sent it.</summary>
    private sealed class RequestRecorder : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _queries = new();

        private RequestRecorder(WebApplication app) => _app = app;

        public string BaseUrl => _app.Urls.First();

        public static async Task<RequestRecorder> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var recorder = new RequestRecorder(app);
            app.MapGet(KannelIncomingSms.Path, (HttpRequest request) =>
            {
                recorder._queries.Enqueue(request.QueryString.Value ?? "");
                return Results.Ok();
            });
            await app.StartAsync();
            return recorder;
        }

        public async Task<IReadOnlyList<string>> WaitForAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            while (_queries.Count < count)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(15)) throw new TimeoutException($"{_queries.Count} of {count} requests from Kannel");
                await Task.Delay(20);
            }
            return _queries.ToArray();
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
