using Gateway.Templates;

namespace Gateway.Hosting;

/// <summary>
/// Loads every piece of content at start-up: loading validates it, so broken content (a missing language,
/// an unknown placeholder, an over-long text) stops the process before it serves anyone.
/// Resolved in StartAsync, after the settings were validated, so a bad TEMPLATES_PATH is reported as such.
/// </summary>
public sealed class ContentCheck(IServiceProvider services, ILogger<ContentCheck> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        services.GetRequiredService<MessageTexts>();
        services.GetRequiredService<Lessons.CourseCatalog>();
        services.GetRequiredService<Lessons.DailyTips>();
        services.GetRequiredService<Broadcasts.NoticeCatalog>();
        services.GetRequiredService<Ussd.UssdMenu>();
        services.GetRequiredService<Inbound.KeywordParser>();
        services.GetRequiredService<TopicCatalog>();
        Lessons.LessonContentCheck.Run(services);
        log.LogInformation("Content loaded from {Folder}", services.GetRequiredService<TemplatesFolder>().Path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
