using Gateway.Hosting;
using Gateway.Templates;
using Microsoft.Extensions.Options;

namespace Gateway.Ussd;

public static class UssdServices
{
    /// <summary>The USSD menu (loaded and checked at start-up through ContentCheck), its sessions and actions.</summary>
    public static IServiceCollection AddUssd(this IServiceCollection services)
    {
        services.AddValidatedOptions<UssdOptions, UssdOptionsValidator>();
        services.AddSingleton(sp => new UssdMenu(sp.GetRequiredService<TemplatesFolder>(), sp.GetRequiredService<TopicCatalog>(),
            sp.GetRequiredService<Lessons.CourseCatalog>(), sp.GetRequiredService<Lessons.DailyTips>()));
        services.AddSingleton<UssdSessions>();
        services.AddSingleton<UssdActions>();
        services.AddSingleton<HandleUssd>();
        services.AddSingleton<UssdCallbackTokenFilter>();
        services.AddTransient<PurgeUssdSessionsJob>();
        return services;
    }

    /// <summary>What only the process serving the callback needs: the rule that it has a token outside local mode.</summary>
    public static IServiceCollection AddUssdCallback(this IServiceCollection services) =>
        services.AddSingleton<IValidateOptions<UssdOptions>, UssdCallbackTokenRequired>();
}
