using System.Globalization;
using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Templates;
using Npgsql;

namespace Gateway.Inbound;

// Courses by SMS: JOIN 12 / 订阅12 (by number, key, title or alias), STOP 12 / 退订12, NEXT / 下一课, REPEAT / 重复,
// and TIME 19 / 时间19 for the hour lessons and tips come at. The lesson itself is not the reply: it is queued through
// the outbound pipeline (Normal priority), so it counts as the learner's lesson with its delivery tracked.
public sealed partial class InboundRouter
{
    /// <summary>The course the argument of JOIN / STOP names, if it names one rather than a topic. A word that is exactly
    /// a course's (防疫基础知识) beats a topic word it merely starts with (防疫).</summary>
    private Course? CourseNamed(ParsedMessage parsed)
    {
        if (parsed.Intent is not (Intent.Join or Intent.Leave) || courses.Resolve(parsed.Argument) is not { } course)
            return null;
        return courses.IsExactly(parsed.Argument, course) || topics.Resolve(parsed.Argument) is null ? course : null;
    }

    /// <summary>Course intents decide from the learner's enrolments, read (and, under locks, locked) before deciding.</summary>
    private async Task<InboundContext> WithLearnerAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, InboundContext c, CancellationToken ct)
    {
        if (c.Parsed.Intent is not (Intent.Next or Intent.Repeat) && CourseNamed(c.Parsed) is null)
            return c;
        return c with { Learner = await enrolments.ReadAsync(conn, tx, c.Subscriber.Id, lockRows: tx is not null, ct) };
    }

    /// <summary>
    /// JOIN 12: enrols (ledgered opt-in 'course:&lt;key&gt;'); lesson 1 comes with the planner at the learner's hour, within
    /// minutes if that hour has passed today. From an opted-out number it is an opt-in again, as JOIN &lt;topic&gt; is.
    /// </summary>
    private InboundOutcome JoinCourse(InboundContext c, Course course)
    {
        var keyword = KeywordAsReceived(c);
        var changes = new List<NpgsqlBatchCommand>();
        if (c.Subscriber.IsOptedOut)
            changes.AddRange(subscribers.OptInCommands(c.Subscriber, Subscribers.AllTopics, keyword, ConsentChannel.Sms));
        var after = After(c, status: Subscriber.Active);

        if (c.Learner!.In(course.Key) is { IsCompleted: false } current)
        {
            if (changes.Count > 0)
                changes.Add(subscribers.ConsentCommand(c.Subscriber, optIn: true, course.ConsentScope, keyword, ConsentChannel.Sms));
            return new InboundOutcome("join_course", Text(MessageKeys.CourseAlready, c.Language, ("course", course.Title.In(c.Language)),
                ("lesson", Number(Math.Min(current.LessonDue, course.Lessons.Count))), ("lessons", Number(course.Lessons.Count))), changes)
            {
                SenderAfter = after,
            };
        }

        changes.AddRange(enrolments.EnrolCommands(c.Subscriber, course, ConsentChannel.Sms, keyword));
        var (when, hour) = schedule.NextSend(clock.GetUtcNow(), c.Learner.DeliveryHour);
        var whenText = when switch
        {
            FirstSend.Soon => Text(MessageKeys.FirstLessonSoon, c.Language),
            FirstSend.Today => Text(MessageKeys.FirstLessonToday, c.Language, ("hour", Number(hour))),
            _ => Text(MessageKeys.FirstLessonTomorrow, c.Language, ("hour", Number(hour))),
        };
        var reply = Text(MessageKeys.CourseJoined, c.Language, ("course", course.Title.In(c.Language)), ("number", Number(course.Number)),
            ("lessons", Number(course.Lessons.Count)), ("hour", Number(hour)), ("when", whenText));
        return new InboundOutcome("join_course", reply, changes) { SenderAfter = after };
    }

    /// <summary>STOP 12: leaves the course (ledgered opt-out); joining again starts at lesson 1.</summary>
    private InboundOutcome LeaveCourse(InboundContext c, Course course)
    {
        var title = ("course", course.Title.In(c.Language));
        if (c.Learner!.In(course.Key) is null)
            return new InboundOutcome("leave_course", Text(MessageKeys.CourseNotJoined, c.Language, title));
        return new InboundOutcome("leave_course", Text(MessageKeys.CourseLeft, c.Language, title, ("number", Number(course.Number))),
            enrolments.LeaveCommands(c.Subscriber, course.Key, ConsentChannel.Sms, KeywordAsReceived(c)).ToList())
        {
            SenderAfter = After(c),
        };
    }

    /// <summary>NEXT: the next lesson of the course in progress heard from last, now; no reply, the lesson is the answer.</summary>
    private InboundOutcome NextLesson(InboundContext c)
    {
        if (enrolments.CurrentCourse(c.Learner!) is not { } enrolment)
            return new InboundOutcome(Name(Intent.Next), NoCourse(c));
        return new InboundOutcome(Name(Intent.Next), null, enrolments.SendNextCommands(enrolment, c.Sms.From, c.Language)!) { SenderAfter = After(c) };
    }

    /// <summary>REPEAT: the last lesson sent, again; no reply, the lesson is the answer.</summary>
    private InboundOutcome RepeatLesson(InboundContext c)
    {
        if (enrolments.LastLessonSent(c.Learner!) is { } enrolment)
            return new InboundOutcome(Name(Intent.Repeat), null, enrolments.RepeatCommands(enrolment, c.Sms.From, c.Language)!) { SenderAfter = After(c) };
        if (enrolments.CurrentCourse(c.Learner!) is { } waiting && courses.Find(waiting.Course) is { } course)
            return new InboundOutcome(Name(Intent.Repeat), Text(MessageKeys.NothingToRepeat, c.Language, ("course", course.Title.In(c.Language))));
        return new InboundOutcome(Name(Intent.Repeat), NoCourse(c));
    }

    /// <summary>Not on a course (or finished them all): how to join one.</summary>
    private string NoCourse(InboundContext c) => Text(
        c.Learner!.Enrolments.Any(e => e.IsCompleted) ? MessageKeys.CoursesFinished : MessageKeys.NoCourse,
        c.Language, ("courses", courses.Menu(c.Language)));

    /// <summary>TIME 19: the hour (city time) daily tips and lessons come at. Hours in quiet hours are refused with the ones allowed.</summary>
    private InboundOutcome SetDeliveryTime(InboundContext c)
    {
        var quiet = schedule.Quiet;
        if (c.Parsed.Argument is null || !int.TryParse(c.Parsed.Argument, CultureInfo.InvariantCulture, out var hour) || !quiet.AllowsHour(hour))
            return new InboundOutcome(Name(Intent.Time), Text(MessageKeys.TimeChoose, c.Language, ("hours", quiet.Describe())));
        return new InboundOutcome(Name(Intent.Time), Text(MessageKeys.TimeSet, c.Language, ("hour", Number(hour))),
            [SubscriberPreferences.SetDeliveryHourCommand(c.Subscriber.Id, hour)])
        {
            SenderAfter = After(c),
        };
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
