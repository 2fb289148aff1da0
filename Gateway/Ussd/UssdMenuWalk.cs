using Gateway.Delivery.Encoding;

namespace Gateway.Ussd;

/// <summary>
/// Walks every screen a resident can reach, breadth first: from a fresh dial and from the "continue where you left
/// off?" offer, in every language, with the facts that make screens longest, pressing every numbered choice,
/// 98, 0, 00 and a wrong key on every screen, and taking every outcome of every action.
/// Start-up refuses the menu when a screen it finds is too long or (in English) not plain GSM-7.
/// </summary>
public static class UssdMenuWalk
{
    /// <summary>One screen as shown, and how it was reached (the inputs from the dial, and the outcomes taken).</summary>
    public sealed record Visit(string Facts, string Path, UssdState State, UssdReply Reply);

    /// <summary>A key that is never a choice: every screen's error variant.</summary>
    public const string WrongKey = "7x";

    public static IEnumerable<Visit> Everything(UssdMenu menu)
    {
        foreach (var language in Hosting.GatewayOptions.Languages)
            foreach (var (name, facts) in menu.WorstCaseFacts(language))
                foreach (var visit in From(menu, name, facts))
                    yield return visit;
    }

    public static IEnumerable<Visit> From(UssdMenu menu, string factsName, UssdFacts facts)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<(UssdState State, string Path)>();
        UssdState? interrupted = null;

        IEnumerable<Visit> Arrive(UssdStep step, string path)
        {
            yield return new Visit(factsName, path, step.State, step.Reply!);
            if (!step.Reply!.End && seen.Add(step.State.ToString())) queue.Enqueue((step.State, path));
            interrupted ??= step.State.ResumePoint;
        }

        foreach (var visit in Arrive(menu.Start(facts, null), "dial")) yield return visit;
        var offered = false;
        while (true)
        {
            while (queue.TryDequeue(out var current))
            {
                var inputs = menu.Choices(current.State).Concat([UssdMenu.MoreInput, UssdMenu.BackInput, UssdMenu.MainInput, WrongKey]);
                foreach (var input in inputs)
                {
                    var path = $"{current.Path} {input}";
                    var step = menu.Next(current.State, input, facts);
                    if (step.Action is null)
                    {
                        foreach (var visit in Arrive(step, path)) yield return visit;
                        continue;
                    }
                    foreach (var outcome in UssdActionSpec.All[step.Action.Name].Outcomes)
                        foreach (var visit in Arrive(menu.Complete(step.State, step.Action, outcome, facts), $"{path} ({step.Action.Name}: {outcome})"))
                            yield return visit;
                }
            }
            // Then redial after an interrupted session, to see the resume offer and where "continue" leads.
            if (offered || interrupted is null) yield break;
            offered = true;
            foreach (var visit in Arrive(menu.Start(facts, interrupted), "redial")) yield return visit;
        }
    }

    /// <summary>Every screen over the limit or not in plain GSM-7 (English), the worst case per screen, as readable lines.</summary>
    public static List<string> Problems(UssdMenu menu)
    {
        var worst = new Dictionary<string, (int Length, string Problem)>();
        foreach (var visit in Everything(menu))
        {
            var language = visit.State.Language;
            var text = visit.Reply.Text;
            var where = $"{language} screen '{visit.State.Top.Screen}'{(visit.State.Top.Item is { } item ? $" for {item}" : "")}";
            if (language == "en" && text.FirstOrDefault(c => Gsm7.Septets(c) != 1) is var bad and not '\0')
            {
                worst.TryAdd(where + " gsm", (int.MaxValue, $"{where} has '{bad}', which is not plain GSM-7 ({visit.Facts}, after: {visit.Path})"));
                continue;
            }
            var length = UssdMenu.Measure(text);
            if (length > UssdMenu.MaxLength && (!worst.TryGetValue(where, out var known) || known.Length < length))
                worst[where] = (length, $"{where} is {length} characters; the limit is {UssdMenu.MaxLength} ({visit.Facts}, after: {visit.Path}): \"{Shorten(text)}\"");
        }
        return worst.Values.Select(w => w.Problem).Order(StringComparer.Ordinal).ToList();
    }

    private static string Shorten(string text) => (text.Length > 60 ? text[..60] + "..." : text).Replace("\n", " | ");
}
