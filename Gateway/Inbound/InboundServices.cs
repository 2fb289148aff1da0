using Gateway.Templates;

namespace Gateway.Inbound;

public static class InboundServices
{
    /// <summary>The inbound SMS pipeline every provider feeds, the keyword parser and the officials' inbox.</summary>
    public static IServiceCollection AddInbound(this IServiceCollection services)
    {
        services.AddSingleton(sp => new KeywordParser(KeywordLexicon.Load(Path.Combine(sp.GetRequiredService<TemplatesFolder>().Path, "keywords.yaml"))));
        services.AddSingleton<ReceiveSms>();
        services.AddSingleton<InboundRouter>();
        services.AddSingleton<SenderCache>();
        services.AddSingleton<RecentReplies>();
        services.AddSingleton<InboundIds>();
        services.AddTransient<FinishUnhandledMessages>();
        services.AddSingleton<ListInbox>();
        return services;
    }
}
