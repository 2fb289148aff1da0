using Gateway.Delivery.Encoding;
using Gateway.Ussd;
using static Gateway.Tests.Ussd.UssdTestMenus;

namespace Gateway.Tests.Ussd;

/// <summary>
/// Every screen a resident can reach, in every language, fits one USSD screen (182 characters, options included),
/// and English screens are plain GSM-7. Walked here breadth first through the public state machine, independently
/// of the walk the gateway runs at start-up: every numbered choice on every page, 98, 0, 00 and a wrong key, every
/// outcome of every action, from a fresh dial and from the resume offer, for numbers we do not know, that receive
/// every topic, and that opted out, with the real content and with the largest lists the content rules allow.
/// </summary>
public sealed class UssdScreenLengthTests
{
    public sealed record Content(string Label, Func<UssdMenu> Menu)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Content> Contents => new()
    {
        new("templates as shipped", () => Real),
        new("9 topics, 89 courses, names and summaries at their limits", () => Largest),
    };

    [Theory, MemberData(nameof(Contents))]
    public void EveryReachableScreen_FitsOneUssdScreen(Content content)
    {
        var menu = content.Menu();
        var screens = Walk(menu).ToList();

        Assert.All(screens, s =>
        {
            if (s.Language == "en")
                Assert.True(UssdText.IsGsm7(s.Reply.Text) && s.Reply.Text.All(c => !Gsm7.IsExtension(c)), $"not plain GSM-7 after {s.Path}: {s.Reply.Text}");
            var length = s.Language == "en" ? UssdText.Length(s.Reply.Text) : s.Reply.Text.Length;
            Assert.True(length <= 182, $"{length} characters after {s.Path}:\n{s.Reply.Text}");
        });

        // The walk really went everywhere: every screen in both languages, every page of every list, the error variant.
        foreach (var language in new[] { "zh", "en" })
        {
            foreach (var screen in menu.Menus.Screens.Keys)
                Assert.Contains(screens, s => s.Language == language && s.Screen == screen);
            foreach (var list in menu.Menus.Screens.Values.Where(s => s.List is not null))
                for (var page = 0; page < menu.PageCount(list.Id, language); page++)
                    Assert.Contains(screens, s => s.Language == language && s.Screen == list.Id && s.Page == page);
            Assert.Contains(screens, s => s.Language == language && s.Reply.Text.StartsWith(menu.Menus.Words.Invalid!.In(language) + "\n"));
            Assert.Contains(screens, s => s.Language == language && s.Reply.End);
        }
    }

    [Fact]
    public void TheLargestLists_ArePaged_WithMoreAndBack()
    {
        var menu = Largest;
        Assert.True(menu.PageCount("courses", "en") > 10);
        Assert.True(menu.PageCount("topics", "en") > 1);
        var facts = Unknown("en");
        var page = menu.Next(menu.Next(menu.Start(facts, null).State, "2", facts).State, "98", facts).Reply!.Text;
        Assert.Contains("\n98 More", page);
        Assert.EndsWith("\n0 Back", page);
    }

    private sealed record Seen(string Language, string Screen, int Page, string Path, UssdReply Reply);

    private static IEnumerable<Seen> Walk(UssdMenu menu)
    {
        var interrupted = new UssdState("zh", [new UssdFrame("main"), new UssdFrame("subscriptions"), new UssdFrame("topics")]);
        foreach (var language in new[] { "zh", "en" })
        {
            foreach (var facts in new[] { Unknown(language), Receiving(language, [.. menu.Content.Topics.Select(t => t.Key)]), OptedOut(language) })
            {
                foreach (var tipDay in Enumerable.Range(0, menu.Content.Tips.Count))
                {
                    var today = facts with { Today = Today.AddDays(tipDay), TipHour = 21 };
                    var seen = new HashSet<string>();
                    var queue = new Queue<(UssdStep Step, string Path)>();
                    queue.Enqueue((menu.Start(today, null), "dial"));
                    queue.Enqueue((menu.Start(today, interrupted with { Language = language }), "redial"));
                    while (queue.TryDequeue(out var next))
                    {
                        var (step, path) = next;
                        yield return new Seen(step.State.Language, step.State.Top.Screen, step.State.Top.Page, path, step.Reply!);
                        if (step.Reply!.End || !seen.Add(step.State.ToString())) continue;
                        // The tip screen is the only one that changes with the day: other days add nothing elsewhere.
                        if (tipDay > 0 && step.State.Top.Screen != "main" && step.State.Top.Screen != "tip") continue;

                        foreach (var key in menu.Choices(step.State).Concat(["98", "0", "00", "x"]))
                        {
                            var after = menu.Next(step.State, key, today);
                            if (after.Action is null)
                            {
                                queue.Enqueue((after, $"{path} {key}"));
                                continue;
                            }
                            foreach (var outcome in UssdActionSpec.All[after.Action.Name].Outcomes)
                                queue.Enqueue((menu.Complete(after.State, after.Action, outcome, today), $"{path} {key}={outcome}"));
                        }
                    }
                }
            }
        }
    }
}
