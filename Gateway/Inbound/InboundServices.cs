using Gateway.Templates;

namespace Gateway.Inbound;

public static class InboundServices
{
    /// <summary>The inbound pipeline every provider feeds (read, decide, apply, answer), the keyword parser and the officials' inbox.</summary>
    public static IServiceCollection AddInbound(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var topics = sp.GetRequiredService<TopicCatalog>();
            var courses = sp.GetRequiredService<Lessons.CourseCatalog>();
            return new KeywordParser(KeywordLexicon.Load(Path.Combine(sp.GetRequiredService<TemplatesFolder>().Path, "keywords.yaml")),
                value => topics.Resolve(value) is not null || courses.Resolve(value) is not null);
        });
        services.AddSingleton<InboundPipeline>();
        services.AddSingleton<InboundSpoolHoldWatch>();
        services.AddSingleton<InboundReader>();
        services.AddSingleton<InboundFastPath>();
        services.AddSingleton<StoreInboundMessage>();
        services.AddSingleton<DecideInbound>();
        services.AddSingleton<ConsentIntents>();
        services.AddSingleton<TopicIntents>();
        services.AddSingleton<LessonIntents>();
        services.AddSingleton<SupportIntents>();
        services.AddSingleton<MenuIntents>();
        services.AddSingleton<ReplyTexts>();
        services.AddSingleton<InboundChanges>();
        services.AddSingleton<SenderCache>();
        services.AddSingleton<RecentReplies>();
        services.AddSingleton<InboundIds>();
        services.AddTransient<FinishUnhandledMessages>();
        services.AddSingleton<ListInbox>();
        services.AddSingleton<MarkInboxMessageHandled>();
        services.AddSingleton<ListMessagesFrom>();
        return services;
    }
}
