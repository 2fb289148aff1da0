using Gateway.Inbound;
using Gateway.Tests.Support;

namespace Gateway.Tests.Inbound;

public class KeywordParserTests
{
    private static readonly KeywordLexicon Lexicon = KeywordLexicon.Load(Path.Combine(RepoPaths.Templates, "keywords.yaml"));
    private static readonly Gateway.Templates.TopicCatalog Topics = new(Path.Combine(RepoPaths.Templates, "topics.yaml"));
    private static readonly Gateway.Lessons.CourseCatalog Courses = new(RepoPaths.Templates);

    // As the gateway builds it: a typo of JOIN / STOP is taken with a value only when the value names a topic or course.
    private static readonly KeywordParser Parser = new(Lexicon, value => Topics.Resolve(value) is not null || Courses.Resolve(value) is not null);

    /// <summary>One row of the table. Language is checked only when given.</summary>
    public sealed record Case(string Label, string Body, Intent Intent, string? Argument = null, bool Fuzzy = false, MessageLanguage? Language = null)
    {
        public override string ToString() => Label;
    }

    private const Intent Unknown = Intent.Unknown, Crisis = Intent.Crisis, OptOutAll = Intent.OptOutAll, OptIn = Intent.OptIn,
        Yes = Intent.Yes, Join = Intent.Join, Leave = Intent.Leave, Help = Intent.Help, Language = Intent.Language,
        Next = Intent.Next, Repeat = Intent.Repeat, Time = Intent.Time, Talk = Intent.Talk, MyData = Intent.MyData;

    private static Case Typo(string label, string body, Intent intent, string? argument = null) => new(label, body, intent, argument, Fuzzy: true);

    public static TheoryData<Case> Cases => new(AllCases);

    private static readonly Case[] AllCases =
    [
        // ---- Opt out of everything: carrier keywords, English ----
        new("STOP alone stops everything", "STOP", OptOutAll, Language: MessageLanguage.En),
        new("STOPALL", "STOPALL", OptOutAll),
        new("UNSUBSCRIBE alone", "UNSUBSCRIBE", OptOutAll),
        new("CANCEL alone", "CANCEL", OptOutAll),
        new("END", "END", OptOutAll),
        new("QUIT", "QUIT", OptOutAll),
        new("REVOKE", "REVOKE", OptOutAll),
        new("OPTOUT", "OPTOUT", OptOutAll),
        new("TD (Chinese-market 退订 convention)", "TD", OptOutAll),
        new("T alone (回T退订 convention)", "T", OptOutAll),

        // ---- Opt out of everything: Chinese ----
        new("退订", "退订", OptOutAll, Language: MessageLanguage.Zh),
        new("取消订阅", "取消订阅", OptOutAll),
        new("退出", "退出", OptOutAll),
        new("停止", "停止", OptOutAll),
        new("取消", "取消", OptOutAll),
        new("全部退订", "全部退订", OptOutAll),

        // ---- Case, full-width, invisible characters ----
        new("mixed case sToP", "sToP", OptOutAll),
        new("lower-case td", "td", OptOutAll),
        new("lower-case t", "t", OptOutAll),
        new("Title case Unsubscribe", "Unsubscribe", OptOutAll),
        new("full-width ＳＴＯＰ", "ＳＴＯＰ", OptOutAll, Language: MessageLanguage.En),
        new("full-width ｔｄ", "ｔｄ", OptOutAll),
        new("full-width ＨＥＬＰ", "ＨＥＬＰ", Help),
        new("full-width JOIN with ideographic space and digit", "ＪＯＩＮ\u3000１", Join, "1"),
        new("full-width TIME and hour", "ＴＩＭＥ　１９", Time, "19"),
        new("zero-width space inside STOP", "ST\u200BOP", OptOutAll),

        // ---- Surrounding punctuation and spaces, ASCII and Chinese ----
        new("STOP!", "STOP!", OptOutAll),
        new("STOP.", "STOP.", OptOutAll),
        new("spaces and newline around stop", "  stop \n", OptOutAll),
        new("ASCII quotes", "\"STOP\"", OptOutAll),
        new("curly quotes", "\u201cSTOP\u201d", OptOutAll),
        new("【退订】", "【退订】", OptOutAll),
        new("退订。", "退订。", OptOutAll),
        new("「退订」", "「退订」", OptOutAll),
        new("TD！ full-width bang", "TD！", OptOutAll),
        new("ellipsis around STOP", "…STOP…", OptOutAll),
        new("tilde after STOP", "STOP~", OptOutAll),
        new("full-width tilde after 退订", "退订～", OptOutAll),
        new("ideographic spaces around 退订", "\u3000退订\u3000", OptOutAll),
        new("parentheses (STOP)", "(STOP)", OptOutAll),
        new("emoji after STOP", "STOP!!! 😡", OptOutAll),
        new("HELP with Chinese question mark", "HELP？", Help),

        // ---- Polite words, greetings, sentence endings ----
        new("STOP please", "STOP please", OptOutAll),
        new("please STOP", "please STOP", OptOutAll),
        new("STOP pls", "STOP pls", OptOutAll),
        new("HELP pls", "HELP pls", Help),
        new("pls help", "pls help", Help),
        new("STOP, thank you", "STOP, thank you", OptOutAll),
        new("hi STOP", "hi STOP", OptOutAll),
        new("请退订", "请退订", OptOutAll),
        new("退订谢谢", "退订谢谢", OptOutAll),
        new("你好，退订", "你好，退订", OptOutAll),
        new("退订吧 (sentence ending)", "退订吧", OptOutAll),
        new("请帮助", "请帮助", Help),
        new("下一课吗", "下一课吗", Next),
        new("only polite words: thanks", "thanks", Unknown),
        new("only polite words: 谢谢", "谢谢", Unknown),

        // ---- Chinese keywords without spaces or mid-message ----
        new("TD退订", "TD退订", OptOutAll, Language: MessageLanguage.Zh),
        new("我要退订 (mid-message opt-out counts)", "我要退订", OptOutAll),
        new("回T退订 typed literally", "回T退订", OptOutAll),
        new("complaint containing 退订 is opt-out", "我已经退订了为什么还发", OptOutAll),
        new("我要取消订阅", "我要取消订阅", OptOutAll),
        new("mid-message 退订 never takes a topic", "我要退订每日提示", OptOutAll),
        new("angry 受不了了要退订 (不 too far back to negate)", "受不了了要退订", OptOutAll),
        new("不好意思退订 (apology, not negation)", "不好意思退订", OptOutAll),
        new("退订 twice", "退订 退订", OptOutAll),

        // ---- Free-text opt-out, English ----
        new("please stop texting me", "please stop texting me", OptOutAll),
        new("stop sending me messages", "stop sending me messages", OptOutAll),
        new("no more messages", "no more messages", OptOutAll),
        new("Stop texting me!", "Stop texting me!", OptOutAll),
        new("can you stop sending these", "can you stop sending these", OptOutAll),
        new("STOP IT", "STOP IT", OptOutAll),
        new("STOP ALL is everything, not topic 'all'", "STOP ALL", OptOutAll),
        new("stop everything", "stop everything", OptOutAll),
        new("remove me from your list", "remove me from your list", OptOutAll),
        new("unsubscribe me please", "unsubscribe me please", OptOutAll),
        new("leave me alone", "leave me alone", OptOutAll),
        new("how do I opt out?", "how do I opt out?", OptOutAll),
        new("opt-out with hyphen", "opt-out", OptOutAll),
        new("don't text me anymore", "don't text me anymore", OptOutAll),
        new("I'd like to unsubscribe", "I'd like to unsubscribe", OptOutAll),
        new("I want to unsubscribe", "I want to unsubscribe", OptOutAll),
        new("I don't want to unsubscribe", "I don't want to unsubscribe", Unknown),
        new("i want to stop smoking is not an opt-out", "i want to stop smoking", Unknown),
        new("no, stop sending (no is another clause)", "no, stop sending", OptOutAll),
        new("not interested stop texting me (not negates only the next word)", "not interested stop texting me", OptOutAll),
        new("not in phrase list: help menu, not silent opt-out", "I don't want any more texts", Unknown),

        // ---- Free-text opt-out, Chinese ----
        new("不要再发了", "不要再发了", OptOutAll),
        new("别再发了", "别再发了", OptOutAll),
        new("请不要再发", "请不要再发", OptOutAll),
        new("不要发了", "不要发了", OptOutAll),
        new("别发了", "别发了", OptOutAll),
        new("请不要再给我发短信", "请不要再给我发短信", OptOutAll),
        new("不想再收到这些信息", "不想再收到这些信息", OptOutAll),
        new("停止发送 is everything, not topic 发送", "停止发送", OptOutAll),
        new("别打扰我", "别打扰我", OptOutAll),
        new("不，不要再发了 (不 is another clause)", "不，不要再发了", OptOutAll),
        new("phrase with spaces typed inside", "不要 再发 了", OptOutAll),

        // ---- Negated opt-outs are never opt-outs ----
        new("don't stop", "don't stop", Unknown),
        new("DON'T STOP with curly apostrophe", "DON\u2019T STOP", Unknown),
        new("do not unsubscribe me", "do not unsubscribe me", Unknown),
        new("please don't stop sending", "please don't stop sending", Unknown),
        new("never opt me out", "never opt me out", Unknown),
        new("I can't stop texting my friend", "I can't stop texting my friend", Unknown),
        new("不要退订", "不要退订", Unknown),
        new("我不想退订", "我不想退订", Unknown),
        new("别给我退订", "别给我退订", Unknown),
        new("不要帮我退订", "不要帮我退订", Unknown),
        new("我没有退订", "我没有退订", Unknown),
        new("为什么不能退订 (ambiguous: help menu)", "为什么不能退订", Unknown),
        new("不要取消订阅", "不要取消订阅", Unknown),

        // ---- Must not match ----
        new("stopwatch", "stopwatch", Unknown),
        new("stopping by later", "stopping by later", Unknown),
        new("tdx", "tdx", Unknown),
        new("helpful", "helpful", Unknown),
        new("starting", "starting", Unknown),
        new("sentence ending in ? is not help", "information about vaccine?", Unknown),
        new("yesterday", "yesterday", Unknown),
        new("end of the week", "end of the week", Unknown),
        new("I can't stop coughing", "I can't stop coughing", Unknown),
        new("the end", "the end", Unknown),
        new("TD followed by a number", "TD 2", Unknown),
        new("T9", "T9", Unknown),
        new("OK is not yes", "OK", Unknown),
        new("好的 is not yes", "好的", Unknown),
        new("好 is not yes", "好", Unknown),
        new("bare number is for the router's menu", "1", Unknown),
        new("hello alone", "hello", Unknown),
        new("topic name alone", "tips", Unknown),
        new("取消 mid-sentence is not opt-out", "可以取消预约吗", Unknown),
        new("咨询 mid-sentence is not talk", "我想咨询疫苗", Unknown),
        new("中文 must be the whole message", "中文怎么说", Unknown),
        new("HELP + words is not a command", "help with my vaccine appointment", Unknown),
        new("only a full stop", "。", Unknown),
        new("question and bang", "?!", Unknown),

        // ---- Empty ----
        new("empty", "", Unknown, Language: MessageLanguage.Unknown),
        new("spaces only", "   ", Unknown),
        new("ideographic space only", "\u3000", Unknown),
        new("tab and newline only", "\t\n", Unknown),

        // ---- Opt back in ----
        new("START", "START", OptIn),
        new("UNSTOP", "UNSTOP", OptIn),
        new("JOIN alone opts in", "JOIN", OptIn),
        new("SUBSCRIBE alone opts in", "SUBSCRIBE", OptIn),
        new("订阅 alone opts in", "订阅", OptIn),
        new("加入 alone opts in", "加入", OptIn),
        new("start please", "start please", OptIn),
        new("Join!", "Join!", OptIn),
        new("订阅吧", "订阅吧", OptIn),
        new("重新订阅", "重新订阅", OptIn),
        new("JOIN JOIN", "JOIN JOIN", OptIn),

        // ---- Yes ----
        new("YES", "YES", Yes),
        new("yes lower case", "yes", Yes),
        new("Y", "Y", Yes),
        new("YES please", "YES please", Yes),
        new("YES!", "YES!", Yes),
        new("是", "是", Yes),
        new("是的", "是的", Yes),
        new("同意", "同意", Yes),

        // ---- Join a topic ----
        new("JOIN tips", "JOIN tips", Join, "tips"),
        new("join Tips (argument lower-cased)", "join Tips", Join, "tips"),
        new("JOIN 2", "JOIN 2", Join, "2"),
        new("JOIN2 without space", "JOIN2", Join, "2"),
        new("JOIN daily tips", "JOIN daily tips", Join, "daily tips"),
        new("SUBSCRIBE news", "SUBSCRIBE news", Join, "news"),
        new("JOIN 每日提示", "JOIN 每日提示", Join, "每日提示"),
        new("订阅 每日提示", "订阅 每日提示", Join, "每日提示"),
        new("订阅每日提示 without space", "订阅每日提示", Join, "每日提示"),
        new("订阅 tips", "订阅 tips", Join, "tips"),
        new("加入2", "加入2", Join, "2"),
        new("加入 2", "加入 2", Join, "2"),
        new("加入２ full-width digit", "加入２", Join, "2"),
        new("please JOIN tips", "please JOIN tips", Join, "tips"),
        new("JOIN tips thanks", "JOIN tips thanks", Join, "tips"),
        new("JOIN: tips", "JOIN: tips", Join, "tips"),

        // ---- Leave a topic ----
        new("STOP tips", "STOP tips", Leave, "tips"),
        new("STOP 2", "STOP 2", Leave, "2"),
        new("UNSUBSCRIBE tips", "UNSUBSCRIBE tips", Leave, "tips"),
        new("CANCEL tips", "CANCEL tips", Leave, "tips"),
        new("QUIT takes no topic: quit smoking is a health subject", "quit smoking", Unknown),
        new("stop Tips please", "stop Tips please", Leave, "tips"),
        new("退订 每日提示", "退订 每日提示", Leave, "每日提示"),
        new("退订每日提示", "退订每日提示", Leave, "每日提示"),
        new("退订2", "退订2", Leave, "2"),
        new("取消订阅每日提示 (longest keyword)", "取消订阅每日提示", Leave, "每日提示"),
        new("取消 2", "取消 2", Leave, "2"),
        new("退出每日提示", "退出每日提示", Leave, "每日提示"),
        new("STOP + words is Leave; router answers unknown topics", "stop by later", Leave, "by later"),
        new("STOP STOP is everything", "STOP STOP", OptOutAll),
        new("STOP TD is everything", "STOP TD", OptOutAll),
        new("UNSUBSCRIBE ALL is everything", "UNSUBSCRIBE ALL", OptOutAll),
        new("退订全部 is everything", "退订全部", OptOutAll),
        new("取消订阅 所有 is everything", "取消订阅 所有", OptOutAll),
        new("JOIN ALL is a topic the router resolves", "JOIN ALL", Join, "all"),
        new("ALL alone means nothing", "ALL", Unknown),

        // ---- Help ----
        new("HELP", "HELP", Help),
        new("INFO", "INFO", Help),
        new("MENU", "MENU", Help),
        new("? alone is help", "?", Help, Language: MessageLanguage.Unknown),
        new("full-width ？ alone", "？", Help),
        new("?? alone", "??", Help),
        new("help?", "help?", Help),
        new("帮助", "帮助", Help),
        new("菜单", "菜单", Help),
        new("帮助我 (keyword at start, no space)", "帮助我", Help),
        new("请帮助我", "请帮助我", Help),
        new("我需要帮助 (mid-message)", "我需要帮助", Help),
        new("不需要帮助 is negated", "不需要帮助", Unknown),
        new("help me phrase", "Help me!", Help),
        new("I need help phrase", "I need help", Help),

        // ---- Language ----
        new("LANG EN", "LANG EN", Language, "en"),
        new("LANG ZH", "LANG ZH", Language, "zh"),
        new("LANGUAGE ZH", "LANGUAGE ZH", Language, "zh"),
        new("lang english", "lang english", Language, "en"),
        new("LANG 中文", "LANG 中文", Language, "zh"),
        new("语言 中文", "语言 中文", Language, "zh"),
        new("语言中文 without space", "语言中文", Language, "zh"),
        new("语言 英文", "语言 英文", Language, "en"),
        new("ENGLISH alone", "ENGLISH", Language, "en"),
        new("Chinese alone", "Chinese", Language, "zh"),
        new("中文 alone", "中文", Language, "zh"),
        new("英文 alone", "英文", Language, "en", Language: MessageLanguage.Zh),
        new("普通话 alone", "普通话", Language, "zh"),
        new("EN alone", "EN", Language, "en"),
        new("ZH alone", "zh", Language, "zh"),
        new("中文谢谢", "中文谢谢", Language, "zh"),
        new("LANG alone: language not given", "LANG", Language),
        new("LANG FR: language not understood", "LANG FR", Language),

        // ---- Lessons: next and repeat ----
        new("NEXT", "NEXT", Next),
        new("next please", "next please", Next),
        new("下一课", "下一课", Next),
        new("下一个", "下一个", Next),
        new("下一条", "下一条", Next),
        new("下一课吧", "下一课吧", Next),
        new("REPEAT", "REPEAT", Repeat),
        new("AGAIN", "AGAIN", Repeat),
        new("重复", "重复", Repeat),
        new("再发一次", "再发一次", Repeat),
        new("重复一下 (keyword at start)", "重复一下", Repeat),

        // ---- Lesson time ----
        new("TIME 19", "TIME 19", Time, "19"),
        new("TIME 0", "TIME 0", Time, "0"),
        new("TIME 23", "TIME 23", Time, "23"),
        new("TIME 07 leading zero", "TIME 07", Time, "7"),
        new("TIME 19:00", "TIME 19:00", Time, "19"),
        new("TIME 7PM", "TIME 7PM", Time, "19"),
        new("time 7 pm", "time 7 pm", Time, "19"),
        new("TIME 7am", "TIME 7am", Time, "7"),
        new("TIME 12am is midnight", "TIME 12am", Time, "0"),
        new("TIME 12pm is noon", "TIME 12pm", Time, "12"),
        new("TIME19 without space", "TIME19", Time, "19"),
        new("TIME 24 is not an hour", "TIME 24", Time),
        new("TIME 25 is not an hour", "TIME 25", Time),
        new("TIME 13pm is not an hour", "TIME 13pm", Time),
        new("TIME 7:30 is not a whole hour", "TIME 7:30", Time),
        new("TIME alone", "TIME", Time),
        new("TIME abc", "TIME abc", Time),
        new("时间 19", "时间 19", Time, "19"),
        new("时间19 without space", "时间19", Time, "19"),
        new("时间19点", "时间19点", Time, "19"),
        new("时间 晚上7点", "时间 晚上7点", Time, "19"),
        new("时间下午3点", "时间下午3点", Time, "15"),
        new("时间 早上7点", "时间 早上7点", Time, "7"),
        new("时间 七点 (Chinese numerals not read)", "时间 七点", Time),

        // ---- Talk to a counsellor ----
        new("TALK", "TALK", Talk),
        new("COUNSELLOR", "COUNSELLOR", Talk),
        new("COUNSELOR", "COUNSELOR", Talk),
        new("COUNSELLING", "COUNSELLING", Talk),
        new("COUNSELING", "COUNSELING", Talk),
        new("倾诉", "倾诉", Talk),
        new("心理咨询", "心理咨询", Talk),
        new("咨询", "咨询", Talk),
        new("咨询一下 (keyword at start)", "咨询一下", Talk),
        new("找人聊聊", "找人聊聊", Talk),
        new("我想找人聊聊 (mid-message)", "我想找人聊聊", Talk),
        new("我想心理咨询 (mid-message)", "我想心理咨询", Talk),
        new("I want to talk to someone", "I want to talk to someone", Talk),
        new("can I speak to a person", "can I speak to a person", Talk),

        // ---- My data ----
        new("MYDATA", "MYDATA", MyData),
        new("mydata please", "mydata please", MyData),
        new("my data", "my data", MyData),
        new("我的信息", "我的信息", MyData),
        new("查看", "查看", MyData),
        new("查看我的信息", "查看我的信息", MyData),

        // ---- Crisis, English ----
        new("I want to kill myself", "I want to kill myself", Crisis, Language: MessageLanguage.En),
        new("KILL MYSELF upper case", "KILL MYSELF", Crisis),
        new("suicide", "suicide", Crisis),
        new("thinking about suicide.", "thinking about suicide.", Crisis),
        new("I want to end my life", "I want to end my life", Crisis),
        new("I want to die", "I want to die", Crisis),
        new("I don't want to live anymore", "I don't want to live anymore", Crisis),
        new("curly apostrophe don’t want to live", "I don\u2019t want to live", Crisis),
        new("I might hurt myself", "I might hurt myself", Crisis),
        new("suicide squad: accepted false alarm", "watching suicide squad", Crisis),
        new("suicidesquad as one word: no whole word", "suicidesquad", Unknown),

        // ---- Crisis, Chinese ----
        new("自杀", "自杀", Crisis, Language: MessageLanguage.Zh),
        new("我想死", "我想死", Crisis),
        new("不想活了", "不想活了", Crisis),
        new("活不下去了", "活不下去了", Crisis),
        new("轻生", "轻生", Crisis),
        new("结束生命", "结束生命", Crisis),
        new("跳楼", "跳楼", Crisis),
        new("crisis word with a space typed inside", "我想 死", Crisis),
        new("我不想死 is flagged on purpose (never negated)", "我不想死", Crisis),

        // ---- Crisis wins over every other intent ----
        new("STOP 我想死", "STOP 我想死", Crisis, Language: MessageLanguage.Zh),
        new("HELP I want to kill myself", "HELP I want to kill myself", Crisis),
        new("退订 自杀", "退订 自杀", Crisis),
        new("JOIN suicide", "JOIN suicide", Crisis),
        new("TALK 想死", "TALK 想死", Crisis),
        new("no more messages, I want to die", "no more messages, I want to die", Crisis),

        // ---- One typo in an English keyword of 4+ letters ----
        Typo("STPO", "STPO", OptOutAll),
        Typo("SOTP", "SOTP", OptOutAll),
        Typo("JIOn alone opts in", "JIOn", OptIn),
        Typo("JIOn tips", "JIOn tips", Join, "tips"),
        Typo("HEPL", "HEPL", Help),
        Typo("HLEP", "HLEP", Help),
        Typo("UNSUBCRIBE", "UNSUBCRIBE", OptOutAll),
        Typo("UNSUBCRIBE tips", "UNSUBCRIBE tips", Leave, "tips"),
        Typo("CANCLE", "CANCLE", OptOutAll),
        Typo("NEXTT", "NEXTT", Next),
        Typo("REPAET", "REPAET", Repeat),
        Typo("ENGLSH", "ENGLSH", Language, "en"),
        Typo("TIEM 19", "TIEM 19", Time, "19"),
        Typo("STOPALLL", "STOPALLL", OptOutAll),
        Typo("TAKL", "TAKL", Talk),
        Typo("MENUU", "MENUU", Help),
        Typo("UNSTPO", "UNSTPO", OptIn),
        Typo("STPO please", "STPO please", OptOutAll),

        // ---- Typos rejected: too short, too far, or ambiguous ----
        new("TDD: TD is too short for typos", "TDD", Unknown),
        new("ENDD: END is too short for typos", "ENDD", Unknown),
        new("YSE: YES is too short for typos", "YSE", Unknown),
        new("STPOO: two edits", "STPOO", Unknown),
        new("SOPT: two edits", "SOPT", Unknown),
        new("COUNSELLR: close to COUNSELLOR and COUNSELOR", "COUNSELLR", Unknown),
        new("COUNSELLNG: close to COUNSELLING and COUNSELING", "COUNSELLNG", Unknown),

        // ---- Near-misses from real payloads: names and everyday words one edit from a keyword (issue 16) ----
        new("John Cruz is a name, not JOIN cruz", "John Cruz", Unknown),
        new("John alone is a name", "John", Unknown),
        new("Jon alone is a name", "Jon", Unknown),
        new("Joan alone is a name", "Joan", Unknown),
        new("Joint pain since Monday is a symptom, not JOIN", "Joint pain since Monday", Unknown),
        new("joint alone is a word", "joint", Unknown),
        new("Stoo is a typo of STOP (o beside p)", "Stoo", OptOutAll, Fuzzy: true),
        new("Stoo please", "Stoo please", OptOutAll, Fuzzy: true),
        new("Stephen is a name", "Stephen", Unknown),
        new("Hello alone is a greeting", "Hello", Unknown),
        new("Hello, I have a question", "Hello, I have a question", Unknown),
        new("Help me please", "Help me please", Help),
        new("Top is a word, not STOP", "Top", Unknown),
        new("Top 2 is not STOP 2", "Top 2", Unknown),
        new("Step by step is not STOP", "Step by step", Unknown),
        new("Info? is INFO", "Info?", Help),
        new("Wang (a surname) is not LANG", "Wang", Unknown),
        new("Yang Li is not LANG", "Yang Li", Unknown),
        new("text me later is not NEXT", "text me later", Unknown),
        new("Tim is a name, not TIME", "Tim", Unknown),
        new("walk is not TALK", "walk", Unknown),
        new("a typo with a word that is no topic is no command", "JION cruz", Unknown),
        new("a typo of STOP with a sentence after it", "STPO coming by later", Unknown),
        new("a typo of TIME with no hour after it", "TIEM tomorrow", Unknown),
        new("a typo of LANG with no language after it", "LNAG fr", Unknown),
        Typo("a typo with a topic by number", "JION 2", Join, "2"),
        Typo("a typo with a course by number", "JION 11", Join, "11"),
        Typo("a typo with a course alias", "SOTP hygiene", Leave, "hygiene"),
        Typo("a typo repeated in anger is the keyword alone", "STPO STOP", OptOutAll),

        // ---- Asking for a person in everyday words opens a request like TALK (issue 16) ----
        new("Talk to me", "Talk to me", Talk),
        new("talk to me please", "talk to me please", Talk),
        new("Can someone talk to me?", "Can someone talk to me?", Talk),
        new("I need to talk", "I need to talk", Talk),
        new("I want to talk to somebody", "I want to talk to somebody", Talk),
        new("can we talk", "can we talk", Talk),
        new("can I talk to a real person", "can I talk to a real person", Talk),
        new("I need someone", "I need someone", Talk),
        new("is anyone there?", "is anyone there?", Talk),
        new("anyone there", "anyone there", Talk),
        new("please call me", "please call me", Talk),
        new("call me back", "call me back", Talk),
        new("chat with me", "chat with me", Talk),
        new("speak to a human", "speak to a human", Talk),
        new("I need a counsellor", "I need a counsellor", Talk),
        new("can I see a counselor", "can I see a counselor", Talk),
        new("don't call me is not a request", "don't call me", Unknown),
        new("陪我聊聊", "陪我聊聊", Talk),
        new("能陪我聊聊吗", "能陪我聊聊吗", Talk),
        new("我想找人说话", "我想找人说话", Talk),
        new("谁能跟我聊聊", "谁能跟我聊聊", Talk),
        new("有人吗", "有人吗", Talk),
        new("有没有人可以聊天", "有没有人可以聊天", Talk),
        new("我需要人陪", "我需要人陪", Talk),
        new("我想看心理医生", "我想看心理医生", Talk),
        new("转人工", "转人工", Talk),
        new("请给我打电话", "请给我打电话", Talk),
        new("不要给我打电话 is not a request", "不要给我打电话", Unknown),

        // ---- Detected language ----
        new("language: digits only", "19", Unknown, Language: MessageLanguage.Unknown),
        new("language: Cyrillic", "Привет", Unknown, Language: MessageLanguage.Unknown),
        new("language: accented Latin", "café", Unknown, Language: MessageLanguage.En),
        new("language: Han with Latin", "请 STOP", OptOutAll, Language: MessageLanguage.Zh),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_ReturnsIntentArgumentAndFuzzy(Case c)
    {
        var parsed = Parser.Parse(c.Body);

        Assert.Equal((c.Intent, c.Argument, c.Fuzzy), (parsed.Intent, parsed.Argument, parsed.Fuzzy));
        if (c.Language is { } language)
            Assert.Equal(language, parsed.DetectedLanguage);
    }

    [Fact]
    public void CaseLabels_AreUnique() =>
        Assert.Empty(AllCases.GroupBy(c => c.Label).Where(g => g.Count() > 1).Select(g => g.Key));

    [Fact]
    public void Parse_Null_IsUnknown() =>
        Assert.Equal(Intent.Unknown, Parser.Parse(null!).Intent);

    [Fact]
    public void Parse_ReportsTheMatchedKeyword()
    {
        Assert.Equal("stop", Parser.Parse("ＳＴＯＰ please").Keyword);
        Assert.Equal("不要再发", Parser.Parse("请不要再发了").Keyword);
        Assert.Equal("stop", Parser.Parse("STPO").Keyword);
        Assert.Null(Parser.Parse("stopwatch").Keyword);
    }

    // Guards edits to keywords.yaml: a word that another word shadows would silently never match.
    [Fact]
    public void EveryWordInTheLexicon_ReachesItsOwnIntent()
    {
        var wrong = new List<string>();
        void Expect(string body, Intent intent, string? argument = null)
        {
            var parsed = Parser.Parse(body);
            if (parsed.Intent != intent || parsed.Argument != argument || parsed.Fuzzy)
                wrong.Add($"\"{body}\" gave {parsed.Intent}({parsed.Argument}), expected {intent}({argument})");
        }

        foreach (var (intent, words) in Lexicon.WordsByIntent())
        {
            Intent alone = intent switch { Intent.Join => Intent.OptIn, Intent.Leave => Intent.OptOutAll, _ => intent };
            foreach (string w in (words.En ?? []).Concat(words.Zh ?? []).Concat(words.ZhAnywhere ?? []))
                Expect(w, alone);
            foreach (string w in words.ZhAnywhere ?? [])
                Expect("我要" + w, alone);
            foreach (string w in (words.Exact ?? []).Concat(words.Phrases?.En ?? []).Concat(words.Phrases?.Zh ?? []))
                Expect(w, intent);
        }
        foreach (string name in Lexicon.LanguageNames!.En!)
            Expect(name, Intent.Language, "en");
        foreach (string name in Lexicon.LanguageNames!.Zh!)
            Expect(name, Intent.Language, "zh");
        foreach (string w in Lexicon.Crisis!.En!.Concat(Lexicon.Crisis!.Zh!))
            Expect(w, Intent.Crisis);

        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("stop", "stop", 0)]
    [InlineData("stpo", "stop", 1)]
    [InlineData("sotp", "stop", 1)]
    [InlineData("stopp", "stop", 1)]
    [InlineData("sto", "stop", 1)]
    [InlineData("step", "stop", 1)]
    [InlineData("cancle", "cancel", 1)]
    [InlineData("unsubcribe", "unsubscribe", 1)]
    [InlineData("sopt", "stop", 2)]
    [InlineData("", "abc", 3)]
    [InlineData("ca", "abc", 3)]   // OSA edits each substring once, so not 2 as unrestricted Damerau would say
    public void OptimalStringAlignmentDistance_CountsEdits(string a, string b, int expected) =>
        Assert.Equal(expected, KeywordParser.OptimalStringAlignmentDistance(a, b));
}
