using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

// The menu, the reply language, what we store, and everything not understood.
public sealed partial class InboundRouter
{
    private InboundOutcome Help(InboundContext c) => new(Name(Intent.Help), c.Subscriber.IsOptedOut
        ? Text(MessageKeys.HelpOptedOut, c.Language)
        : Text(MessageKeys.Help, c.Language, ("menu", topics.Menu(c.Language))));

    /// <summary>Never silence: the help menu. The message keeps intent "unknown", so officials read it in the inbox.</summary>
    private InboundOutcome NotUnderstood(InboundContext c) => new(Name(Intent.Unknown),
        Sentences(c.Language, Text(MessageKeys.NotUnderstood, c.Language), Text(MessageKeys.Help, c.Language, ("menu", topics.Menu(c.Language)))));

    /// <summary>LANG EN, ENGLISH, 中文, 语言 中文. The confirmation is in the new language; asking for the language
    /// already set gets the same confirmation and writes nothing.</summary>
    private InboundOutcome ChangeLanguage(InboundContext c) => c.Parsed.Argument switch
    {
        null => new(Name(Intent.Language), Text(MessageKeys.LanguageNotUnderstood, c.Language)),
        { } same when same == c.Language => new(Name(Intent.Language), Text(MessageKeys.LanguageSet, same)),
        { } language => new(Name(Intent.Language), Text(MessageKeys.LanguageSet, language), [Subscribers.SetLanguageCommand(c.Subscriber.Id, language)])
        {
            SenderAfter = After(c, language: language),
        },
    };

    /// <summary>MYDATA / 我的信息: everything we keep about the number, in one SMS.</summary>
    private InboundOutcome MyData(InboundContext c) => new(Name(Intent.MyData), Text(MessageKeys.MyData, c.Language,
        ("phone", c.Sms.From),
        ("language", Text(c.Language == "en" ? MessageKeys.LanguageNameEn : MessageKeys.LanguageNameZh, c.Language)),
        ("status", Text(c.Subscriber.IsOptedOut ? MessageKeys.StatusOptedOut : MessageKeys.StatusActive, c.Language)),
        ("topics", TopicNames(c.Topics, c.Language))));
}
