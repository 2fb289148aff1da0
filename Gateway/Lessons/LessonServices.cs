using Gateway.Hosting;

namespace Gateway.Lessons;

public static class LessonServices
{
    /// <summary>Courses, enrolments, the daily planner and its timetable. The catalogs themselves are registered with the other content.</summary>
    public static IServiceCollection AddLessons(this IServiceCollection services)
    {
        services.AddValidatedOptions<LessonOptions, LessonOptionsValidator>();
        services.AddSingleton<DailySchedule>();
        services.AddSingleton<Enrolments>();
        services.AddSingleton<EnrolInCourse>();
        services.AddSingleton<ListCourses>();
        services.AddSingleton<ListCoursePositions>();
        services.AddSingleton<QueueDueLessons>();
        services.AddSingleton<QueueDailyTips>();
        services.AddTransient<QueueLessonsAndTipsJob>();
        return services;
    }
}
