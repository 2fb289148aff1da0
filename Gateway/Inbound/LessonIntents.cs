using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Templates;
using Microsoft.Extensions.Options;

namespace Gateway.Inbound;

/// <summary>
/// Courses by SMS: JOIN 12 / 订阅12 (by number, key, title or alias), STOP 12 / 退订12, NEXT / 下一课, REPEAT / 重复,
/// and TIME 19 / 时间19 for the hour lessons and tips come at. These decide from the learner's enrolments, read and
/// locked first (<see cref="NeedsLearner"/>). A lesson asked for is not the reply: it is queued through the outbound
/// queue (Normal priority), so it counts as the learner's lesson with its delivery tracked.
/// </summary>
public sealed class LessonIntents(TopicCatalog topics, CourseCatalog courses, Enrolments enrolments, DailySchedule schedule,
    ReplyTexts texts, TimeProvider clock, IOptions<LessonOptions> options)
{
    /// <summary>The course the argument of JOIN / STOP names, if it names one rather than a topic. A word that is exactly
    /// a course's (防疫基础知识) beats a topic word it merely starts with (防疫).</summary>
    public Course? CourseNamed(ParsedMessage parsed)
    {
        if (parsed.Intent is not (Intent.Join or Intent.Leave) || courses.Resolve(parsed.Argument) is not { } course)
            return null;
        return courses.IsExactly(parsed.Argument, course) || topics.Resolve(parsed.Argument) is null ? course : null;
    }

    /// <summary>Whether deciding needs the learner's enrolments: course intents, and JOIN &lt;topic&gt; from a number that
    /// is not active (opting back in to one topic leaves the courses it was on).</summary>
    public bool NeedsLearner(ParsedMessage parsed, Subscriber sender) =>
        parsed.Intent is Intent.Next or Intent.Repeat || CourseNamed(parsed) is not null || parsed.Intent == Intent.Join && !sender.IsActive;

    /// <summary>
    /// JOIN 12: enrols (ledgered opt-in 'course:&lt;key&gt;'); lesson 1 comes with the planner at the learner's hour, within
    /// minutes if that hour has passed today. From an opted-out number it opts back in to this course only (the consent rule).
    /// </summary>
    public InboundDecision JoinCourse(InboundContext c, Course course)
    {
        var learner = c.Learner!;
        var inProgress = learner.In(course.Key) is { IsCompleted: false } current ? current : null;
        ConsentChange? consent = null;
        if (!c.Subscriber.IsActive || inProgress is null)
            consent = ConsentRule.JoinCourse(c.Subscriber, c.Topics, Enrolments.CoursesInProgress(learner), course.ConsentScope, c.KeywordAsReceived, ConsentChannel.Sms);
        var change = new CourseChange(c.Subscriber.Id) { Enrol = inProgress is null ? course.Key : null, Leave = consent?.CoursesLeft ?? [] };

        if (inProgress is not null)
            return new InboundDecision("join_course", texts.Text(MessageKeys.CourseAlready, c.Language, ("course", course.Title.In(c.Language)),
                ("lesson", ReplyTexts.Number(Math.Min(inProgress.LessonDue, course.Lessons.Count))), ("lessons", ReplyTexts.Number(course.Lessons.Count))))
            {
                Consent = consent,
                Course = change.Leave.Count > 0 ? change : null,
            };

        var (when, hour) = schedule.NextSend(clock.GetUtcNow(), learner.DeliveryHour);
        var whenText = when switch
        {
            FirstSend.Soon => texts.Text(MessageKeys.FirstLessonSoon, c.Language),
            FirstSend.Today => texts.Text(MessageKeys.FirstLessonToday, c.Language, ("hour", ReplyTexts.Number(hour))),
            _ => texts.Text(MessageKeys.FirstLessonTomorrow, c.Language, ("hour", ReplyTexts.Number(hour))),
        };
        var reply = texts.Text(MessageKeys.CourseJoined, c.Language, ("course", course.Title.In(c.Language)), ("number", ReplyTexts.Number(course.Number)),
            ("lessons", ReplyTexts.Number(course.Lessons.Count)), ("hour", ReplyTexts.Number(hour)), ("when", whenText));
        return new InboundDecision("join_course", reply) { Consent = consent, Course = change };
    }

    /// <summary>STOP 12: leaves the course (ledgered opt-out); joining again starts at lesson 1.</summary>
    public InboundDecision LeaveCourse(InboundContext c, Course course)
    {
        var title = ("course", course.Title.In(c.Language));
        if (c.Learner!.In(course.Key) is null)
            return new InboundDecision("leave_course", texts.Text(MessageKeys.CourseNotJoined, c.Language, title));
        return new InboundDecision("leave_course", texts.Text(MessageKeys.CourseLeft, c.Language, title, ("number", ReplyTexts.Number(course.Number))))
        {
            Consent = ConsentRule.LeaveCourse(c.Subscriber, course.ConsentScope, c.KeywordAsReceived, ConsentChannel.Sms),
            Course = new CourseChange(c.Subscriber.Id) { Leave = [course.Key] },
        };
    }

    /// <summary>NEXT: the next lesson of the course in progress heard from last, now; no reply, the lesson is the answer.</summary>
    public InboundDecision Next(InboundContext c)
    {
        if (enrolments.CurrentCourse(c.Learner!) is not { } enrolment || enrolments.Next(enrolment, c.Phone, c.Language) is not { } lesson)
            return new InboundDecision(InboundDecision.NameOf(Intent.Next), NoCourse(c));
        return AskedTooOften(c, Intent.Next)
            ?? new InboundDecision(InboundDecision.NameOf(Intent.Next), null) { Course = new CourseChange(c.Subscriber.Id) { Send = lesson } };
    }

    /// <summary>REPEAT: the last lesson sent, again; no reply, the lesson is the answer.</summary>
    public InboundDecision Repeat(InboundContext c)
    {
        if (enrolments.LastLessonSent(c.Learner!) is { } enrolment && enrolments.Repeat(enrolment, c.Phone, c.Language) is { } lesson)
            return AskedTooOften(c, Intent.Repeat)
                ?? new InboundDecision(InboundDecision.NameOf(Intent.Repeat), null) { Course = new CourseChange(c.Subscriber.Id) { Send = lesson } };
        if (enrolments.CurrentCourse(c.Learner!) is { } waiting && courses.Find(waiting.Course) is { } course)
            return new InboundDecision(InboundDecision.NameOf(Intent.Repeat), texts.Text(MessageKeys.NothingToRepeat, c.Language, ("course", course.Title.In(c.Language))));
        return new InboundDecision(InboundDecision.NameOf(Intent.Repeat), NoCourse(c));
    }

    /// <summary>TIME 19: the hour (city time) daily tips and lessons come at. Hours in quiet hours are refused with the ones allowed.</summary>
    public InboundDecision SetDeliveryTime(InboundContext c)
    {
        var quiet = schedule.Quiet;
        if (c.Parsed.Argument is null || !int.TryParse(c.Parsed.Argument, System.Globalization.CultureInfo.InvariantCulture, out var hour) || !quiet.AllowsHour(hour))
            return new InboundDecision(InboundDecision.NameOf(Intent.Time), texts.Text(MessageKeys.TimeChoose, c.Language, ("hours", quiet.Describe())));
        return new InboundDecision(InboundDecision.NameOf(Intent.Time), texts.Text(MessageKeys.TimeSet, c.Language, ("hour", ReplyTexts.Number(hour))))
        {
            Preferences = new PreferenceChange(c.Subscriber.Id, DeliveryHour: hour),
        };
    }

    /// <summary>
    /// LESSONS_ASKED_PER_DAY: null while the number may ask for another lesson today (NEXT, REPEAT and the USSD menu
    /// together). The first request over it gets one reply saying so and when the next lesson comes; any later one that
    /// day is stored with no reply at all, so asking again costs nothing more.
    /// </summary>
    private InboundDecision? AskedTooOften(InboundContext c, Intent intent)
    {
        var limit = options.Value.AskedPerDay;
        var asked = c.Learner!.LessonsAskedToday;
        if (asked < limit) return null;
        var name = InboundDecision.NameOf(intent) + "_over_limit";
        if (asked > limit) return new InboundDecision(name, null);
        return new InboundDecision(name, texts.Text(MessageKeys.LessonsAskedLimit, c.Language,
            ("limit", ReplyTexts.Number(limit)), ("hour", ReplyTexts.Number(c.Learner.DeliveryHour))))
        {
            Course = new CourseChange(c.Subscriber.Id) { CountAskedOnly = true },
        };
    }

    /// <summary>Not on a course (or finished them all): how to join one.</summary>
    private string NoCourse(InboundContext c) => texts.Text(
        c.Learner!.Enrolments.Any(e => e.IsCompleted) ? MessageKeys.CoursesFinished : MessageKeys.NoCourse,
        c.Language, ("courses", courses.Menu(c.Language)));
}
