using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

/// <summary>The menu, the reply language, what we store, and everything not understood.</summary>
public sealed class MenuIntents(ReplyTexts texts)
{
    public InboundDecision Help(InboundContext c) => new(InboundDecision.NameOf(Intent.Help), c.Subscriber.IsOptedOut
        ? texts.Text(MessageKeys.HelpOptedOut, c.Language)
        : texts.Text(MessageKeys.Help, c.Language, ("menu", texts.TopicMenu(c.Language))));

    /// <summary>Never silence: the help menu. The message keeps intent "unknown", so officials read it in the inbox.</summary>
    public InboundDecision NotUnderstood(InboundContext c) => new(InboundDecision.NameOf(Intent.Unknown), ReplyTexts.Sentences(c.Language,
        texts.Text(MessageKeys.NotUnderstood, c.Language), texts.Text(MessageKeys.Help, c.Language, ("menu", texts.TopicMenu(c.Language)))));

    /// <summary>LANG EN, ENGLISH, 中文, 语言 中文. The confirmation is in the new language; asking for the language
    /// already set gets the same confirmation and writes nothing.</summary>
    public InboundDecision ChangeLanguage(InboundContext c) => c.Parsed.Argument switch
    {
        null => new(InboundDecision.NameOf(Intent.Language), texts.Text(MessageKeys.LanguageNotUnderstood, c.Language)),
        { } same when same == c.Language => new(InboundDecision.NameOf(Intent.Language), texts.Text(MessageKeys.LanguageSet, same)),
        { } language => new(InboundDecision.NameOf(Intent.Language), texts.Text(MessageKeys.LanguageSet, language))
        {
            Preferences = new PreferenceChange(c.Subscriber.Id, Language: language),
        },
    };

    /// <summary>MYDATA / 我的信息: everything we keep about the number, in one SMS.</summary>
    public InboundDecision MyData(InboundContext c) => new(InboundDecision.NameOf(Intent.MyData), texts.Text(MessageKeys.MyData, c.Language,
        ("phone", c.Phone),
        ("language", texts.Text(c.Language == "en" ? MessageKeys.LanguageNameEn : MessageKeys.LanguageNameZh, c.Language)),
        ("status", texts.Text(c.Subscriber.IsOptedOut ? MessageKeys.StatusOptedOut : c.Subscriber.IsPending ? MessageKeys.StatusPending : MessageKeys.StatusActive, c.Language)),
        ("topics", texts.TopicNames(c.Topics, c.Language))));
}
