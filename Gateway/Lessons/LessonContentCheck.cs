using Gateway.Templates;

namespace Gateway.Lessons;

/// <summary>
/// Start-up checks that span content and settings (run by Hosting/ContentCheck): no word names both a topic and a
/// course (JOIN would reach only the topic), and the USSD menu offers only delivery hours outside QUIET_HOURS
/// (a resident could otherwise choose an hour nothing is ever sent at).
/// </summary>
public static class LessonContentCheck
{
    public static void Run(IServiceProvider services)
    {
        var errors = new List<string>();
        errors.AddRange(services.GetRequiredService<CourseCatalog>().ClashesWith(services.GetRequiredService<TopicCatalog>()));

        var quiet = services.GetRequiredService<Broadcasts.QuietHours>();
        var hours = services.GetRequiredService<Ussd.UssdMenu>().Menus.TipHours;
        var refused = Enumerable.Range(hours.From, hours.To - hours.From + 1).Where(h => !quiet.AllowsHour(h)).ToList();
        if (refused.Count > 0)
            errors.Add($"ussd/menu.yaml tip_hours: {string.Join(", ", refused.Select(h => h + ":00"))} are inside QUIET_HOURS {quiet}; offer only {quiet.Describe()}");
        ContentRules.ThrowIfAny(errors, "templates/ (courses, topics and the USSD hours)");
    }
}
