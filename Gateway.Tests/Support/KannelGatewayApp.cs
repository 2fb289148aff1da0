using System.Collections.Concurrent;
using System.Net;
using Gateway.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Support;

/// <summary>One request Kannel made to the gateway, and the gateway's answer.</summary>
public sealed record KannelCallback(string Path, IQueryCollection Query, int Status);

/// <summary>
/// The gateway with SMS_PROVIDER=kannel in front of a real <see cref="LocalKannel"/>. Kannel calls the gateway back
/// (delivery reports), so the gateway listens on a real loopback port (Kestrel), and PUBLIC_BASE_URL is that address.
/// Pacing is off, so one dispatch pass sends a whole batch on the fake clock. Every request to /webhooks/kannel/… is
/// noted with its answer, so a test can see which reports reached the gateway, whatever their order.
/// </summary>
public class KannelGatewayApp : GatewayApp
{
    public const string CallbackToken = "kannel-callback-token-0123456789";

    private readonly int _port = LocalKannel.FreePorts(1)[0];
    private readonly ConcurrentQueue<KannelCallback> _callbacks = new();

    public KannelGatewayApp() => UseKestrel(k => k.Listen(IPAddress.Loopback, _port));

    public LocalKannel Kannel { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{_port}";

    public IReadOnlyList<KannelCallback> Callbacks => _callbacks.ToArray();

    public Dispatcher Dispatcher => Services.GetRequiredService<Dispatcher>();

    public ReconcileDeliveries Reconcile => Services.GetRequiredService<ReconcileDeliveries>();

    public Outbox Outbox => Services.GetRequiredService<Outbox>();

    public override async Task InitializeAsync()
    {
        Kannel = await LocalKannel.StartAsync(new KannelSetup { GatewayBaseUrl = BaseUrl, CallbackToken = CallbackToken });
        await base.InitializeAsync();
    }

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["SMS_PROVIDER"] = "kannel";
        settings["PUBLIC_BASE_URL"] = BaseUrl;
        settings["KANNEL_SENDSMS_URL"] = Kannel.SendSmsUrl.ToString();
        settings["KANNEL_USERNAME"] = LocalKannel.Username;
        settings["KANNEL_PASSWORD"] = LocalKannel.Password;
        settings["KANNEL_FROM"] = LocalKannel.Sender;
        settings["KANNEL_CALLBACK_TOKEN"] = CallbackToken;
        settings["KANNEL_REQUEST_TIMEOUT"] = "00:00:01";
        settings["SMS_RATE_PER_SECOND"] = "0";
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new NoteKannelCallbacks(_callbacks)));
    }

    /// <summary>Queues one message as a producer would, in its own transaction.</summary>
    public async Task<long> EnqueueAsync(OutboundMessage message)
    {
        await using var conn = await OpenDatabaseAsync();
        return (await Outbox.EnqueueAsync(conn, null, message, CancellationToken.None))!.Value;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Kannel is not null) await Kannel.DisposeAsync();
    }

    private sealed class NoteKannelCallbacks(ConcurrentQueue<KannelCallback> callbacks) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                await proceed(context);
                if (context.Request.Path.StartsWithSegments("/webhooks/kannel"))
                    callbacks.Enqueue(new KannelCallback(context.Request.Path, context.Request.Query, context.Response.StatusCode));
            });
            next(app);
        };
    }
}
