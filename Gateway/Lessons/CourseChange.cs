namespace Gateway.Lessons;

/// <summary>
/// What a message or a menu choice does to a learner's courses, decided from the learner's enrolments as read (and
/// locked) and carried out by <see cref="Enrolments.ApplyAsync"/>: enrol in one course (or start a finished one over),
/// leave some, or send a lesson now. The consent to a course's lessons is ledgered beside it by the Subscriptions slice.
/// </summary>
public sealed record CourseChange(long SubscriberId)
{
    public string? Enrol { get; init; }
    public IReadOnlyList<string> Leave { get; init; } = [];
    /// <summary>A lesson asked for and sent now: counted against LESSONS_ASKED_PER_DAY.</summary>
    public LessonToSend? Send { get; init; }

    /// <summary>Counts one more lesson asked for today without sending one: the request that gets the one "that is all
    /// for today" reply, so that later ones that day get nothing.</summary>
    public bool CountAskedOnly { get; init; }
}

/// <summary>A lesson (or the completion message) queued now at Normal priority, and where the position moves.</summary>
/// <param name="LastLesson">The lesson this message carries, or null for the completion message (the last stays).</param>
/// <param name="SentOn">The city date it counts for, so the planner sends no other lesson of the course that day; null for a repeat.</param>
public sealed record LessonToSend(Enrolment Enrolment, string Phone, string Text, string Kind, int NextLesson, int? LastLesson,
    DateOnly? SentOn, DateTimeOffset? CompletedAt);
