using Gateway.Delivery;

namespace Gateway.Lessons;

/// <summary>
/// A learner's place in one course (a row of enrolments, with the status of the last lesson's outbound row).
/// <para>
/// Position rule: a lesson counts as sent when it is queued, and <see cref="NextLesson"/> moves on then. If the queued
/// row ends without reaching the phone (<see cref="NotDelivered"/>), the next send — the next scheduled day, or NEXT —
/// carries the same lesson again (<see cref="LessonDue"/>), so nobody skips a lesson they never got. A row still
/// waiting or in doubt (queued, sending, ambiguous) counts as sent.
/// </para>
/// </summary>
public sealed class Enrolment
{
    /// <summary>Outbound statuses of a lesson the learner never received: the lesson is sent again.</summary>
    public static readonly string[] NotDelivered =
    [
        OutboundStatus.Failed, OutboundStatus.Undelivered, OutboundStatus.Expired, OutboundStatus.Canceled,
        OutboundStatus.SkippedOptedOut, OutboundStatus.SkippedInvalidNumber,
    ];

    public long Id { get; init; }
    public long SubscriberId { get; init; }
    /// <summary>The course key (templates/courses/&lt;key&gt;.yaml).</summary>
    public string Course { get; init; } = "";
    public string Channel { get; init; } = "";
    public DateTime EnrolledAt { get; init; }
    public int NextLesson { get; init; }
    public int? LastLesson { get; init; }
    public long? LastMessageId { get; init; }
    /// <summary>The status of the last lesson's outbound row now.</summary>
    public string? LastMessageStatus { get; init; }
    public DateTime? LastSentAt { get; init; }
    public DateTime? CompletedAt { get; init; }

    public bool IsCompleted => CompletedAt is not null;

    /// <summary>The last lesson was queued but never reached the phone.</summary>
    public bool LastNotDelivered => LastLesson is not null && LastMessageStatus is not null && NotDelivered.Contains(LastMessageStatus);

    /// <summary>The lesson the next send carries; one past the course's last lesson means the completion message.</summary>
    public int LessonDue => LastNotDelivered ? LastLesson!.Value : NextLesson;

    /// <summary>When the learner last heard from this course, or joined it: NEXT and REPEAT act on the most recent.</summary>
    public DateTime LastActivity => LastSentAt ?? EnrolledAt;
}

/// <summary>What the lessons slice knows about one subscriber as a learner: the hour they want messages, and their courses.</summary>
public sealed record Learner(int DeliveryHour, IReadOnlyList<Enrolment> Enrolments)
{
    /// <summary>Lessons asked for today (city date), every channel; LESSONS_ASKED_PER_DAY caps them (<see cref="LessonOptions"/>).</summary>
    public int LessonsAskedToday { get; init; }

    public Enrolment? In(string course) => Enrolments.FirstOrDefault(e => e.Course == course);
}
