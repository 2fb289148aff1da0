using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Ussd;

/// <summary>One screen on the navigation stack: which screen, which page of its list, and which course, topic or hour it is about.</summary>
public sealed record UssdFrame(string Screen, int Page = 0, string? Item = null);

/// <summary>
/// Where a resident is in the menu: the session's language and the stack of screens they came through ("0 Back" pops it).
/// <paramref name="Interrupted"/> is set only on the "continue or start over?" screen: the place the last session was left.
/// Stored as JSON in ussd_sessions.state.
/// </summary>
public sealed record UssdState(string Language, IReadOnlyList<UssdFrame> Stack, UssdState? Interrupted = null)
{
    [JsonIgnore]
    public UssdFrame Top => Stack[^1];

    public static UssdState At(string language, string screen) => new(language, [new UssdFrame(screen)]);

    public UssdState Push(UssdFrame frame) => this with { Stack = [.. Stack, frame] };

    public UssdState Pop() => Stack.Count > 1 ? this with { Stack = Stack.Take(Stack.Count - 1).ToList() } : this;

    public UssdState WithTop(UssdFrame frame) => this with { Stack = [.. Stack.Take(Stack.Count - 1), frame] };

    /// <summary>The place worth offering "continue where you left off" for, or null when there is nothing to go back to.</summary>
    [JsonIgnore]
    public UssdState? ResumePoint =>
        Top.Screen == UssdMenus.ResumeScreen ? Interrupted?.ResumePoint
        : Stack.Count == 1 && Top.Page == 0 ? null
        : this with { Interrupted = null };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static UssdState FromJson(string json) =>
        JsonSerializer.Deserialize<UssdState>(json, Json) ?? throw new JsonException("ussd state is null");

    /// <summary>A stored state, or null when it cannot be read (written by an older version, or damaged).</summary>
    public static UssdState? TryFromJson(string json)
    {
        try
        {
            return FromJson(json) is { Stack.Count: > 0 } state ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A readable identity for sets and logs ("en main>subscriptions>topics#1").</summary>
    public override string ToString() =>
        $"{Language} {string.Join('>', Stack.Select(f => f.Screen + (f.Item is null ? "" : $"({f.Item})") + (f.Page > 0 ? $"#{f.Page}" : "")))}"
        + (Interrupted is null ? "" : $" [interrupted: {Interrupted}]");
}

/// <summary>
/// What the menu needs to know about the number, read fresh on every step: the pure core never asks the database.
/// <paramref name="Language"/> is the subscriber's language, or DEFAULT_LANGUAGE for a number we do not know.
/// </summary>
public sealed record UssdFacts(
    string Phone,
    string Language,
    bool Known,
    bool ReceivesNothing,
    IReadOnlySet<string> Topics,
    int TipHour,
    DateOnly Today,
    DateOnly? Since)
{
    /// <summary>Topics the number receives now: none while opted out or pending, whatever the subscriptions table still holds.</summary>
    public bool Receives(string topic) => !ReceivesNothing && Topics.Contains(topic);

    public static UssdFacts Unknown(string phone, string language, DateOnly today, int tipHour = DefaultTipHour) =>
        new(phone, language, Known: false, ReceivesNothing: false, new HashSet<string>(), tipHour, today, Since: null);

    /// <summary>The column default of subscribers.delivery_hour.</summary>
    public const int DefaultTipHour = 8;
}

/// <summary>A screen to show: "CON" (wait for input) or, when <paramref name="End"/>, "END" (the session is over).</summary>
public sealed record UssdReply(string Text, bool End);

/// <summary>Something the menu asks the shell to do (subscribe, delete data, …) before it can show the next screen.</summary>
/// <param name="Item">The course, topic or hour key the action is about.</param>
/// <param name="Value">The choice it carries: a language, or "on"/"off" for a topic.</param>
public sealed record UssdActionRequest(string Name, string? Item = null, string? Value = null);

/// <summary>The outcome of one input: either a reply to show, or an action to perform and hand back to <see cref="UssdMenu.Complete"/>.</summary>
public sealed record UssdStep(UssdState State, UssdReply? Reply, UssdActionRequest? Action)
{
    public static UssdStep Show(UssdState state, UssdReply reply) => new(state, reply, null);

    public static UssdStep Perform(UssdState state, UssdActionRequest action) => new(state, null, action);
}
