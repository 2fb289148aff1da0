using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Support;

namespace Gateway.Inbound;

/// <summary>
/// What a message comes to, decided before anything is written (<see cref="DecideInbound"/>): the intent stored with
/// it, the reply (null: acknowledge, say nothing), and the changes, each a value its owning slice carries out.
/// Adding a kind of change is one property here and one line in <see cref="InboundChanges"/>.
/// </summary>
public sealed record InboundDecision(string Intent, string? Reply)
{
    /// <summary>Subscriptions: status, topics and the consent ledger (<see cref="ChangeConsent"/>).</summary>
    public ConsentChange? Consent { get; init; }

    /// <summary>Subscriptions: the reply language or the hour of lessons (<see cref="SubscriberPreferences"/>).</summary>
    public PreferenceChange? Preferences { get; init; }

    /// <summary>Support: a request for a counsellor (<see cref="OpenSupportRequest"/>).</summary>
    public SupportRequestToOpen? SupportRequest { get; init; }

    /// <summary>Support: the message belongs to the sender's open conversation with a counsellor (<see cref="Conversations"/>).</summary>
    public ConversationTurn? Conversation { get; init; }

    /// <summary>Lessons: enrolments, and a lesson queued now through Delivery (<see cref="Enrolments.ApplyAsync"/>).</summary>
    public CourseChange? Course { get; init; }

    public bool ChangesNothing => Consent is null && Preferences is null && SupportRequest is null && Course is null && Conversation is null;

    /// <summary>opt_out_all, my_data: the intent as stored with the message and shown in the inbox.</summary>
    public static string NameOf(Intent intent) => Names.TryGetValue(intent, out var name) ? name : SnakeCase(intent);

    // Spelled once per intent, not on every message.
    private static readonly System.Collections.Frozen.FrozenDictionary<Intent, string> Names =
        System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<Intent>(), intent => intent, SnakeCase);

    private static string SnakeCase(Intent intent) =>
        string.Concat(intent.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));
}
