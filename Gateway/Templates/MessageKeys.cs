namespace Gateway.Templates;

/// <summary>The reply texts the code asks for, each with the placeholders its wording may use.</summary>
public static class MessageKeys
{
    public const string Help = "help";

    // ---- Inbound SMS replies (Inbound/*Intents.cs) ----
    public const string HelpOptedOut = "help_opted_out";
    public const string NotUnderstood = "not_understood";
    public const string ReadAs = "read_as";
    public const string OptedOut = "opted_out";
    public const string OptedIn = "opted_in";
    public const string Joined = "joined";
    public const string AlreadyJoined = "already_joined";
    public const string Left = "left";
    public const string NotJoined = "not_joined";
    public const string UnknownTopic = "unknown_topic";
    public const string LanguageSet = "language_set";
    public const string LanguageNotUnderstood = "language_not_understood";
    public const string Crisis = "crisis";
    public const string Talk = "talk";
    public const string MyData = "my_data";
    public const string NoTopics = "no_topics";
    public const string StatusActive = "status_active";
    public const string StatusOptedOut = "status_opted_out";
    public const string StatusPending = "status_pending";
    public const string LanguageNameZh = "language_name_zh";
    public const string LanguageNameEn = "language_name_en";

    // ---- Courses and the delivery hour (Inbound/LessonIntents.cs) ----
    public const string CourseJoined = "course_joined";
    public const string FirstLessonSoon = "first_lesson_soon";
    public const string FirstLessonToday = "first_lesson_today";
    public const string FirstLessonTomorrow = "first_lesson_tomorrow";
    public const string CourseAlready = "course_already";
    public const string CourseLeft = "course_left";
    public const string CourseNotJoined = "course_not_joined";
    public const string NoCourse = "no_course";
    public const string CoursesFinished = "courses_finished";
    public const string NothingToRepeat = "nothing_to_repeat";
    public const string LessonsAskedLimit = "lessons_asked_limit";
    public const string TimeSet = "time_set";
    public const string TimeChoose = "time_choose";

    // ---- Counselling (Support/): a counsellor is here; the conversation ended; to the on-call counsellors ----
    public const string CounsellorHere = "counsellor_here";
    public const string ConversationClosed = "conversation_closed";
    public const string OncallCrisisWaiting = "oncall_crisis_waiting";

    // ---- Residents brought in from a list (Imports/ApplyImport.cs) ----
    /// <summary>Who residents are told is writing to them (the bureau's line), in each language.</summary>
    public const string SenderName = "sender_name";
    public const string ImportConfirmation = "import_confirmation";

    public static readonly IReadOnlyDictionary<string, string[]> All = new Dictionary<string, string[]>
    {
        [Help] = ["menu"],
        [HelpOptedOut] = [],
        [NotUnderstood] = [],
        [ReadAs] = ["typed", "keyword"],
        [OptedOut] = [],
        [OptedIn] = ["topics", "menu"],
        [Joined] = ["topic", "number", "topics"],
        [AlreadyJoined] = ["topic", "number"],
        [Left] = ["topic", "number"],
        [NotJoined] = ["topic", "topics"],
        [UnknownTopic] = ["typed", "menu"],
        [LanguageSet] = [],
        [LanguageNotUnderstood] = [],
        [Crisis] = ["hotlines"],
        [Talk] = [],
        [MyData] = ["phone", "language", "status", "topics"],
        [NoTopics] = [],
        [StatusActive] = [],
        [StatusOptedOut] = [],
        [StatusPending] = [],
        [LanguageNameZh] = [],
        [LanguageNameEn] = [],
        [CourseJoined] = ["course", "number", "lessons", "hour", "when"],
        [FirstLessonSoon] = [],
        [FirstLessonToday] = ["hour"],
        [FirstLessonTomorrow] = ["hour"],
        [CourseAlready] = ["course", "lesson", "lessons"],
        [CourseLeft] = ["course", "number"],
        [CourseNotJoined] = ["course"],
        [NoCourse] = ["courses"],
        [CoursesFinished] = ["courses"],
        [NothingToRepeat] = ["course"],
        [LessonsAskedLimit] = ["limit", "hour"],
        [TimeSet] = ["hour"],
        [TimeChoose] = ["hours"],
        [CounsellorHere] = [],
        [ConversationClosed] = [],
        [OncallCrisisWaiting] = ["minutes"],
        [SenderName] = [],
        [ImportConfirmation] = ["sender", "topics"],
    };
}
