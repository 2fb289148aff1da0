namespace Gateway.Ussd;

/// <summary>
/// An action a menu option may name (templates/ussd/menu.yaml), as the code defines it: what it is about,
/// which values the menu may give it, and the outcomes the menu must have wording for.
/// </summary>
/// <param name="ItemKind">course, topic or hour: the option must sit on a screen or list about one; null for none.</param>
/// <param name="MenuValues">The values an option may give in `value:`; null when the option gives none.</param>
/// <param name="Pure">Handled by the menu itself, without the database (the resume choices).</param>
public sealed record UssdActionSpec(string Name, string? ItemKind, string[]? MenuValues, string[] Outcomes, bool Pure = false)
{
    public const string ToggleTopic = "toggle-topic";
    public const string Resubscribe = "resubscribe";
    public const string SwitchLanguage = "switch-language";
    public const string SetLanguage = "set-language";
    public const string SetTipHour = "set-tip-hour";
    public const string OptOutAll = "opt-out-all";
    public const string DeleteMyData = "delete-my-data";
    public const string RequestCallback = "request-callback";
    public const string EnrolCourse = "enrol-course";
    public const string NextLesson = "next-lesson";
    public const string ResubscribeCourse = "resubscribe-course";
    public const string Continue = "continue";
    public const string StartOver = "start-over";

    /// <summary>Every action, by name. <see cref="UssdActions"/> performs the ones that are not pure.</summary>
    public static readonly IReadOnlyDictionary<string, UssdActionSpec> All = new[]
    {
        // The menu turns a topic on when the number does not receive it, off when it does (value "on"/"off"),
        // so that a retried request sets the same state again instead of flipping it back.
        new UssdActionSpec(ToggleTopic, UssdMenus.Topic, null, ["joined", "left", "needs-opt-in"]),
        // The explicit "yes, start again" of a number that had opted out of everything.
        new UssdActionSpec(Resubscribe, UssdMenus.Topic, null, ["joined"]),
        new UssdActionSpec(SwitchLanguage, null, null, ["done"]),
        new UssdActionSpec(SetLanguage, null, [.. Hosting.GatewayOptions.Languages], ["done"]),
        new UssdActionSpec(SetTipHour, UssdMenus.Hour, null, ["done"]),
        new UssdActionSpec(OptOutAll, null, null, ["done"]),
        new UssdActionSpec(DeleteMyData, null, null, ["deleted", "nothing"]),
        new UssdActionSpec(RequestCallback, null, null, ["recorded"]),
        // A number that opted out of everything is asked first (needs-opt-in), as for topics.
        new UssdActionSpec(EnrolCourse, UssdMenus.Course, null, ["enrolled", "already", "needs-opt-in"]),
        // The explicit "yes, start again" of a number that had opted out of everything, for a course.
        new UssdActionSpec(ResubscribeCourse, UssdMenus.Course, null, ["enrolled"]),
        // limit: LESSONS_ASKED_PER_DAY reached, NEXT and REPEAT by SMS counted too.
        new UssdActionSpec(NextLesson, UssdMenus.Course, null, ["sent", "finished", "not-enrolled", "needs-opt-in", "limit"]),
        new UssdActionSpec(Continue, null, null, [], Pure: true),
        new UssdActionSpec(StartOver, null, null, [], Pure: true),
    }.ToDictionary(a => a.Name);

    /// <summary>Actions that change the session's language when done (the menu redraws in the new language).</summary>
    public bool ChangesLanguage => Name is SwitchLanguage or SetLanguage;
}
