using Gateway.Templates;

namespace Gateway.Hosting;

/// <summary>
/// Loads every piece of content at start-up: constructing it validates it, so broken content
/// (a missing language, an unknown placeholder, an over-long text) stops the process before it serves anyone.
/// </summary>
public sealed class ContentCheck(MessageTexts messages, ILogger<ContentCheck> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        log.LogInformation("Content loaded: {Messages} reply texts per language", MessageKeys.All.Count);
        GC.KeepAlive(messages);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
