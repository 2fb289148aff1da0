using Gateway.Tests.Lessons;

namespace Gateway.Tests.Ussd;

/// <summary>Start-up refuses a broken menu file and says what is wrong where (run on a copy of templates/ with one edit).</summary>
public sealed class UssdMenusTests
{
    public sealed record Defect(string Label, string Find, string Replace, string Expected)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Defect> Defects => new()
    {
        new("unknown action", "action: request-callback", "action: call-me-maybe", "action 'call-me-maybe' is unknown"),
        new("missing language", "label: { zh: 今日小贴士, en: \"Today's tip\" }", "label: { zh: 今日小贴士 }", "screen 'main' option 1 label: the en text is missing"),
        new("a language the gateway does not have", "label: { zh: 今日小贴士, en: \"Today's tip\" }", "label: { zh: 今日小贴士, en: Tip, fr: Astuce }", "line"),
        new("go to a screen that does not exist", "go: privacy", "go: privacyy", "go: 'privacyy' is not a screen"),
        new("a screen no option leads to", "  privacy:\n", "  privacy-old:\n    text: { zh: 旧, en: Old }\n  privacy:\n", "screen 'privacy-old': no option leads to it"),
        new("typo in a field name", "unknown_text:", "unknwon_text:", "line"),
        new("unknown placeholder", "en: \"{tip}\"", "en: \"{tipp}\"", "unknown placeholder {tipp}"),
        new("a course placeholder on a screen about no course", "text: { zh: 我的订阅, en: My subscriptions }", "text: { zh: 我的订阅, en: \"My subscriptions {course}\" }", "unknown placeholder {course}"),
        new("English outside plain GSM-7", "en: Lessons }", "en: Lessons \u2014 }", "not a plain GSM-7 character"),
        new("an action without its wording", "  request-callback:\n    recorded:", "  request-callbackk:\n    recorded:", "action 'request-callback' has no wording"),
        new("an outcome missing", "    recorded: { end: { zh: 已收到。", "    recordedd: { end: { zh: 已收到。", "actions.request-callback: missing the outcome 'recorded'"),
        new("a right removed from the menu", "        action: delete-my-data", "        go: main", "must offer the action 'delete-my-data'"),
        new("set-language without a language", "        value: en\n", "\n", "needs value: one of zh, en"),
        new("a topic action on a screen about no topic", "        action: request-callback", "        action: toggle-topic", "action 'toggle-topic' is about a topic"),
        new("a screen longer than 182 characters", "en: \"A counsellor can call you back, in private. In danger now? Call 120 or 110.\" }",
            "en: \"" + new string('a', 170) + "\" }", "en screen 'counsellor' is "),
        new("a list header that leaves no room for an item", "en: \"Send my daily tip and lessons at:\" }", "en: \"" + new string('a', 170) + "\" }",
            "screen 'tip-hour' (en): the hours item '8' does not fit"),
        new("a list header that changes with the facts", "en: \"Lessons by SMS:\" }", "en: \"Lessons by SMS for {phone}:\" }", "unknown placeholder {phone}"),
        new("hours outside the day", "tip_hours: { from: 8, to: 20 }", "tip_hours: { from: 8, to: 25 }", "tip_hours"),
        new("resume without its choices", "        action: start-over", "        go: main", "must offer the actions continue and start-over"),
    };

    [Theory, MemberData(nameof(Defects))]
    public void BrokenMenu_IsRefused_NamingTheProblem(Defect d)
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            var path = Path.Combine(copy, "ussd", "menu.yaml");
            var original = File.ReadAllText(path);
            Assert.Contains(d.Find, original);
            File.WriteAllText(path, original.Replace(d.Find, d.Replace));

            var error = Assert.ThrowsAny<InvalidDataException>(() => UssdTestMenus.Load(copy));
            Assert.Contains("menu.yaml", error.Message);
            Assert.Contains(d.Expected, error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void MissingMenuFile_IsRefused()
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            File.Delete(Path.Combine(copy, "ussd", "menu.yaml"));
            Assert.Contains("ussd/menu.yaml: missing", Assert.ThrowsAny<InvalidDataException>(() => UssdTestMenus.Load(copy)).Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void ReorderingOptions_NeedsNoCode()
    {
        var copy = CourseCatalogTests.CopyTemplates();
        try
        {
            var path = Path.Combine(copy, "ussd", "menu.yaml");
            var text = File.ReadAllText(path);
            const string tip = "      - label: { zh: 今日小贴士, en: \"Today's tip\" }\n        go: tip\n";
            const string lessons = "      - label: { zh: 健康课堂, en: Lessons }\n        go: courses\n";
            Assert.Contains(tip + lessons, text);
            File.WriteAllText(path, text.Replace(tip + lessons, lessons + tip));

            var menu = UssdTestMenus.Load(copy);
            var facts = UssdTestMenus.Unknown("en");
            Assert.Equal("courses", menu.Next(menu.Start(facts, null).State, "1", facts).State.Top.Screen);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
