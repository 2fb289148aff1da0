using Gateway.Hosting;

namespace Gateway.Templates;

public static class ContentServices
{
    /// <summary>Everything read from templates/, loaded and checked once at start-up by <see cref="ContentCheck"/>.</summary>
    public static IServiceCollection AddContent(this IServiceCollection services)
    {
        services.AddSingleton<TemplatesFolder>();
        services.AddSingleton<MessageTexts>();
        services.AddSingleton<TopicCatalog>();
        services.AddSingleton<Lessons.CourseCatalog>();
        services.AddSingleton<Lessons.DailyTips>();
        services.AddSingleton<Broadcasts.NoticeCatalog>();
        services.AddHostedService<ContentCheck>();
        return services;
    }
}
