using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gateway.Lessons;

/// <summary>/courses (everyone signed in): each course's enrolments, completion rate, and how many learners reached each
/// lesson (where people drop off), as GET /api/courses counts them; a chart drawn by the server with the same figures as a table.</summary>
public sealed class CoursesPage(ListCourses list) : PageModel
{
    public IReadOnlyList<CourseSummary> Courses { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Courses = await list.HandleAsync(ct);
}
