using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Inbound;

/// <summary>Reads an inbound SMS body and says what the resident asks for. Pure: no I/O, never throws on input.</summary>
/// <remarks>
/// The words live in templates/keywords.yaml, whose header explains the rules in plain language. In order:
/// 1 crisis words anywhere; 2 free-text phrases anywhere, unless negated; 3 a keyword at the start of the
/// message; 4 a Chinese keyword mid-message, unless negated; 5 one typo in an English keyword, when the message is
/// the keyword alone or the keyword and a value that means something (a topic, a course, an hour), and the word is not
/// an ordinary word or name (not_typos); else Unknown.
/// </remarks>
/// <param name="namesTopicOrCourse">Whether a value after JOIN / STOP names a topic or course (the catalogs decide);
/// a typo of those keywords is accepted with a value only then. Null: never.</param>
public sealed partial class KeywordParser(KeywordLexicon lexicon, Func<string, bool>? namesTopicOrCourse = null)
{
    private enum Place { Latin, HanStart, HanAnywhere, Exact }

    private enum ArgumentKind { Topic, LanguageName, Hour }

    /// <summary>One lexicon word, folded. Value is a fixed argument: "en" for the word ENGLISH.</summary>
    private sealed record Entry(string Word, Intent Intent, Place Place, string? Value = null);

    private sealed record Match(Intent Intent, string? Argument, string Keyword);

    // Keywords that may be followed by a value, the kind of value, and what the keyword means sent alone.
    private static readonly Dictionary<Intent, (ArgumentKind Kind, Intent Alone)> TakesArgument = new()
    {
        [Intent.Join] = (ArgumentKind.Topic, Intent.OptIn),       // "JOIN tips"; "JOIN" alone opts back in
        [Intent.Leave] = (ArgumentKind.Topic, Intent.OptOutAll),  // "STOP tips"; "STOP" alone stops everything
        [Intent.Language] = (ArgumentKind.LanguageName, Intent.Language),
        [Intent.Time] = (ArgumentKind.Hour, Intent.Time),
    };

    // When phrases or mid-message words of several intents are present, the earlier intent wins:
    // an opt-out must never be lost, and a request for a person matters more than a menu.
    private static readonly Intent[] Priority =
        [Intent.OptOutAll, Intent.Leave, Intent.Talk, .. Enum.GetValues<Intent>().Except([Intent.OptOutAll, Intent.Leave, Intent.Talk])];

    // "don't stop sending" is negated by the word just before; "别给我退订" by a cue ending up to two characters
    // before. Wider English windows wrongly negated "not interested stop texting me".
    private const int NegationGapChars = 2;

    private readonly Tables _t = new(lexicon);

    public ParsedMessage Parse(string body)
    {
        string folded = Fold(body);
        string text = TrimEdges(folded);
        MessageLanguage language = DetectLanguage(text);
        string compact = text.Replace(" ", "", StringComparison.Ordinal);   // Han matching ignores spaces: "想 死"

        ParsedMessage Result(Match? match, bool fuzzy = false) => match is null
            ? new ParsedMessage(Intent.Unknown, null, language, false)
            : new ParsedMessage(match.Intent, match.Argument, language, fuzzy, match.Keyword);

        if (text.Length == 0)
            return Result(OnlySymbols(folded));   // empty, or only punctuation: "?" is help, "。" is not

        // 1. Crisis first, anywhere, never negated: a false alarm costs a counsellor a minute, a miss could cost a life.
        foreach (var (word, han) in _t.Crisis)
            if (Occurs(han ? compact : text, word))
                return Result(new Match(Intent.Crisis, null, word));

        // 2. Free text ("please stop texting me", 不要再发了). Before keywords, so "stop texting me" is not Leave("texting me").
        foreach (var (phrase, intent, han) in _t.Phrases)
            if (han ? HasUnnegatedHan(compact, phrase) : HasUnnegatedLatin(text, phrase))
                return Result(new Match(intent, null, phrase));

        // 3. A keyword at the start: "STOP", "JOIN tips", "帮助我", "订阅每日提示".
        string command = StripFillers(text);
        if (command.Length == 0)
            return Result(null);   // only polite words: "thanks", "谢谢"
        if (KeywordAtStart(command) is { } atStart)
            return Result(atStart);

        // 4. A Chinese keyword mid-message: "我要退订". Never takes a value, so it means the keyword sent alone.
        string compactCommand = command.Replace(" ", "", StringComparison.Ordinal);
        foreach (var entry in _t.HanAnywhere)
            if (HasUnnegatedHan(compactCommand, entry.Word))
                return Result(new Match(AloneMeaning(entry.Intent), entry.Value, entry.Word));

        // 5. One typo in an English keyword: the reply says how it was read, because Fuzzy is set.
        return Result(OneTypoAway(command), fuzzy: true);
    }

    private Match? KeywordAtStart(string command)
    {
        // Whole-message words: "是", "中文", "my data".
        if (_t.Exact.TryGetValue(command, out var exact))
            return new Match(exact.Intent, exact.Value, exact.Word);

        // English: the leading run of letters is the keyword, anything after it the value ("time 7pm", "join2").
        string head = LeadingLatinLetters(command);
        if (head.Length > 0)
            return _t.Latin.TryGetValue(head, out var latin) ? WithValue(latin, command[head.Length..]) : null;

        // Chinese has no spaces, so the keyword is the longest lexicon word the message starts with.
        foreach (var han in _t.HanByLength)
            if (command.StartsWith(han.Word, StringComparison.Ordinal))
                return WithValue(han, command[han.Word.Length..]);
        return null;
    }

    private Match? WithValue(Entry entry, string rest)
    {
        string value = TrimEdges(rest);
        if (!TakesArgument.TryGetValue(entry.Intent, out var argument))
        {
            // "END of the week" is not END: an English keyword must be the whole message.
            // A Chinese keyword at the start is a command whatever follows: "帮助我", "下一课快点".
            return value.Length == 0 || entry.Place != Place.Latin ? new Match(entry.Intent, entry.Value, entry.Word) : null;
        }

        // "STOP" alone, repeated in anger ("STOP STOP", "STOP TD"), or "STOP ALL" / "退订全部" means the keyword alone.
        if (value.Length == 0 || argument.Kind == ArgumentKind.Topic && value.Split(' ').All(w =>
                AloneMeaningOf(w) == argument.Alone || entry.Intent == Intent.Leave && _t.AllWords.Contains(w)))
            return new Match(argument.Alone, null, entry.Word);

        string? parsed = argument.Kind switch
        {
            ArgumentKind.Topic => value,   // resolving "tips" / "2" / "每日提示" to a topic is the decision's job
            ArgumentKind.LanguageName => _t.LanguageCodes.GetValueOrDefault(value),
            _ => ParseHour(value),
        };
        return new Match(entry.Intent, parsed, entry.Word);
    }

    private Match? OneTypoAway(string command)
    {
        string head = LeadingLatinLetters(command);
        if (head.Length == 0 || _t.Latin.ContainsKey(head) || _t.NotTypos.Contains(head))
            return null;   // an exact keyword that failed ("end of the week") is not retried; "John", "joint", "top" are words

        // Accept only when exactly ONE keyword is that close: with two we cannot say "Did you mean X?".
        var close = _t.Fuzzy.Where(e => Math.Abs(e.Word.Length - head.Length) <= 1 && OptimalStringAlignmentDistance(head, e.Word) == 1).ToList();
        if (close.Count != 1)
            return null;
        var entry = close[0];
        if (entry.Place == Place.Exact)   // a language name ("ENGLSH") must still be the whole message
            return head.Length == command.Length ? new Match(entry.Intent, entry.Value, entry.Word) : null;

        // The keyword alone ("STPO", "STPO please"), or with a value that means something ("JIOn tips", "TIEM 19"): a
        // sentence that merely starts with a near-keyword ("Joint pain since Monday", "Jon Cruz") is not a command.
        var match = WithValue(entry, command[head.Length..]);
        if (match is null || TrimEdges(command[head.Length..]).Length == 0)
            return match;
        return match.Intent switch
        {
            Intent.Join or Intent.Leave => match.Argument is { } topic && namesTopicOrCourse?.Invoke(topic) == true ? match : null,
            Intent.Language or Intent.Time => match.Argument is null ? null : match,
            _ => match,   // "STPO STOP": the keyword repeated, which means it alone
        };
    }

    private Match? OnlySymbols(string text)
    {
        // "??" and "? ?" count as "?".
        var symbols = new StringBuilder();
        foreach (char c in text.Where(c => c != ' '))
            if (symbols.Length == 0 || symbols[^1] != c)
                symbols.Append(c);
        return _t.Exact.TryGetValue(symbols.ToString(), out var entry) ? new Match(entry.Intent, entry.Value, entry.Word) : null;
    }

    private Intent AloneMeaningOf(string word)
    {
        var entry = _t.Latin.GetValueOrDefault(word) ?? _t.Exact.GetValueOrDefault(word) ?? _t.HanByLength.Find(h => h.Word == word);
        return entry is null ? Intent.Unknown : AloneMeaning(entry.Intent);
    }

    private static Intent AloneMeaning(Intent intent) =>
        TakesArgument.TryGetValue(intent, out var argument) ? argument.Alone : intent;

    // ---- Negation ------------------------------------------------------------------------------------------

    // Most messages hold none of the phrases and words: a plain search first, before any enumerator or closure is made.
    private bool HasUnnegatedLatin(string text, string phrase) => text.Contains(phrase, StringComparison.Ordinal) && AnyUnnegatedLatin(text, phrase);

    private bool HasUnnegatedHan(string text, string word) => text.Contains(word, StringComparison.Ordinal) && AnyUnnegatedHan(text, word);

    private static bool Occurs(string text, string word) => text.Contains(word, StringComparison.Ordinal) && Occurrences(text, word).Any();

    private bool AnyUnnegatedLatin(string text, string phrase) => Occurrences(text, phrase).Any(i =>
    {
        // The same clause only: in "no, stop sending" the "no" answers something else.
        string clause = text[..i];
        clause = clause[(clause.LastIndexOfAny([',', '.', ';', ':', '!', '?']) + 1)..];
        return clause.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [.., var previous] || !_t.LatinNegations.Contains(previous);
    });

    private bool AnyUnnegatedHan(string text, string word) => Occurrences(text, word).Any(i =>
    {
        // A cue ending at most two characters before: 不要退订, 别给我退订, 我不想退订; but not 受不了了要退订.
        string before = text[..i];
        for (int gap = 0; gap <= NegationGapChars && gap <= before.Length; gap++)
        {
            string upTo = before[..^gap];
            if (before[^gap..].Any(char.IsPunctuation))
                break;   // a new clause: "不，不要再发了"
            if (_t.HanNegations.Any(cue => upTo.EndsWith(cue, StringComparison.Ordinal)))
                return false;
        }
        return true;
    });

    // ---- Text helpers --------------------------------------------------------------------------------------

    /// <summary>NFKC (full-width ＳＴＯＰ, １ become STOP, 1), lower case, one space between words, no punctuation,
    /// symbols or spaces at either end.</summary>
    internal static string Normalize(string? body) => TrimEdges(Fold(body));

    /// <summary>Like <see cref="Normalize"/> but keeps punctuation at the ends. Lexicon words are folded, so it can hold "?".</summary>
    internal static string Fold(string? body)
    {
        if (string.IsNullOrEmpty(body))
            return "";
        var sb = new StringBuilder(body.Length);
        bool pendingSpace = false;
        foreach (Rune rune in body.Normalize(NormalizationForm.FormKC).ToLowerInvariant().EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category == UnicodeCategory.Control)
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (category == UnicodeCategory.Format)
                continue;   // zero-width spaces and joiners that some phones insert
            if (pendingSpace)
                sb.Append(' ');
            pendingSpace = false;
            // NFKC leaves curly apostrophes alone; phones type "don’t".
            sb.Append(rune.Value is 0x2018 or 0x2019 ? "'" : rune.ToString());
        }
        return sb.ToString();
    }

    internal static string TrimEdges(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && Rune.DecodeFromUtf16(s.AsSpan(start, end - start), out var r, out int n) == System.Buffers.OperationStatus.Done && IsEdgeJunk(r))
            start += n;
        while (end > start && Rune.DecodeLastFromUtf16(s.AsSpan(start, end - start), out var r, out int n) == System.Buffers.OperationStatus.Done && IsEdgeJunk(r))
            end -= n;
        return s[start..end];
    }

    // Spaces, punctuation (ASCII and Chinese: 。，！？、“”【】…), symbols (~ and emoji) and stray combining marks.
    private static bool IsEdgeJunk(Rune r) => Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark => true,
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
        _ => false,
    };

    private string StripFillers(string text)
    {
        string s = text;
        for (string previous = ""; s != previous;)
        {
            previous = s;
            foreach (string filler in _t.Fillers)
            {
                if (s.StartsWith(filler, StringComparison.Ordinal) && IsWordBoundary(s, filler.Length))
                    s = TrimEdges(s[filler.Length..]);
                if (s.EndsWith(filler, StringComparison.Ordinal) && IsWordBoundary(s, s.Length - filler.Length))
                    s = TrimEdges(s[..^filler.Length]);
            }
            foreach (string ending in _t.SentenceEndings)
                if (s.EndsWith(ending, StringComparison.Ordinal))
                    s = TrimEdges(s[..^ending.Length]);
        }
        return s;
    }

    /// <summary>Every index where word occurs in text, as a whole word at its Latin edges ("suicide" is not in
    /// "suicidesquad"; "stop it" is not in "stop italian"). Han edges need no boundary: Chinese has no spaces.</summary>
    private static IEnumerable<int> Occurrences(string text, string word)
    {
        for (int i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + 1, StringComparison.Ordinal))
            if ((!IsLatinWordChar(word[0]) || IsWordBoundary(text, i)) && (!IsLatinWordChar(word[^1]) || IsWordBoundary(text, i + word.Length)))
                yield return i;
    }

    /// <summary>True when position i of s does not split a Latin word: "stop|watch" is not a boundary, "stop| it" is.</summary>
    private static bool IsWordBoundary(string s, int i) =>
        i <= 0 || i >= s.Length || !IsLatinWordChar(s[i - 1]) || !IsLatinWordChar(s[i]);

    private static bool IsLatinWordChar(char c) => char.IsLetterOrDigit(c) && !IsHan(c);

    private static string LeadingLatinLetters(string s)
    {
        int n = 0;
        while (n < s.Length && char.IsAsciiLetterLower(s[n]))
            n++;
        return s[..n];
    }

    internal static bool IsHan(char c) => c is >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF';

    private static bool IsHan(Rune r) => r.IsBmp ? IsHan((char)r.Value) : r.Value is >= 0x20000 and <= 0x3134F;

    internal static bool ContainsHan(string s) => s.EnumerateRunes().Any(IsHan);

    private static MessageLanguage DetectLanguage(string text)
    {
        bool latin = false, other = false;
        foreach (Rune r in text.EnumerateRunes())
        {
            if (IsHan(r))
                return MessageLanguage.Zh;
            if (Rune.IsLetter(r))
            {
                bool isLatin = r.Value < 0x250 || r.Value is >= 0x1E00 and <= 0x1EFF;
                latin |= isLatin;
                other |= !isLatin;
            }
        }
        return latin && !other ? MessageLanguage.En : MessageLanguage.Unknown;
    }

    // ---- Hours ---------------------------------------------------------------------------------------------

    [GeneratedRegex("^(?<h>[0-9]{1,2})(:00)?$")]
    private static partial Regex Hour24();

    [GeneratedRegex("^(?<h>[0-9]{1,2})(:00)? ?(?<half>am|pm)$")]
    private static partial Regex Hour12();

    [GeneratedRegex("^(?<part>早上|上午|下午|晚上)? ?(?<h>[0-9]{1,2}) ?点钟?$")]
    private static partial Regex HourChinese();

    /// <summary>"19", "19:00", "7pm", "7 PM", "19点", "晚上7点" become "19". Anything else (25, 7:30, 七点) is null,
    /// so the reply can say: send TIME and an hour from 0 to 23.</summary>
    private static string? ParseHour(string value)
    {
        int? hour = null;
        if (Hour24().Match(value) is { Success: true } h24)
            hour = int.Parse(h24.Groups["h"].Value, CultureInfo.InvariantCulture);
        else if (Hour12().Match(value) is { Success: true } h12 && int.Parse(h12.Groups["h"].Value, CultureInfo.InvariantCulture) is >= 1 and <= 12 and var h)
            hour = h % 12 + (h12.Groups["half"].Value == "pm" ? 12 : 0);
        else if (HourChinese().Match(value) is { Success: true } zh && int.Parse(zh.Groups["h"].Value, CultureInfo.InvariantCulture) is var hz)
            hour = zh.Groups["part"].Value switch
            {
                "下午" or "晚上" when hz is >= 1 and <= 11 => hz + 12,   // 晚上7点 = 19
                "早上" or "上午" when hz >= 12 => null,                  // 上午15点 is a contradiction
                _ => hz,
            };
        return hour is >= 0 and <= 23 ? hour.Value.ToString(CultureInfo.InvariantCulture) : null;
    }

    // ---- Typos ---------------------------------------------------------------------------------------------

    /// <summary>Edits (insert, delete, replace, or swap two neighbours) to turn a into b, each substring edited once.
    /// Hand-written because no edit-distance library is referenced, and this is the textbook 15-line table.</summary>
    internal static int OptimalStringAlignmentDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int replace = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + replace);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    // ---- Lookup tables, built once from the lexicon ------------------------------------------------------------

    private sealed class Tables
    {
        public readonly List<(string Word, bool Han)> Crisis = [];
        public readonly List<(string Word, Intent Intent, bool Han)> Phrases = [];   // in Priority order
        public readonly Dictionary<string, Entry> Latin = [];
        public readonly Dictionary<string, Entry> Exact = [];
        public readonly List<Entry> HanByLength = [];                // longest first: 取消订阅 before 取消
        public readonly List<Entry> HanAnywhere = [];                // in Priority order
        public readonly List<Entry> Fuzzy = [];                      // English words of 4+ letters
        public readonly HashSet<string> NotTypos = [];               // ordinary words and names near a keyword
        public readonly Dictionary<string, string> LanguageCodes = [];
        public readonly List<string> Fillers = [];                   // longest first: 谢谢你 before 谢谢
        public readonly List<string> SentenceEndings = [];
        public readonly HashSet<string> LatinNegations = [];
        public readonly HashSet<string> AllWords = [];
        public readonly List<string> HanNegations = [];

        public Tables(KeywordLexicon lexicon)
        {
            foreach (string word in Words(lexicon.Crisis?.En).Concat(Words(lexicon.Crisis?.Zh)))
                Crisis.Add((word, ContainsHan(word)));

            foreach (var (code, names) in new[] { ("en", lexicon.LanguageNames?.En), ("zh", lexicon.LanguageNames?.Zh) })
            {
                foreach (string name in Words(names))
                {
                    LanguageCodes[name] = code;
                    Exact[name] = new Entry(name, Intent.Language, Place.Exact, code);
                }
            }

            var intents = lexicon.WordsByIntent();
            foreach (Intent intent in Priority)
            {
                if (!intents.TryGetValue(intent, out var words))
                    continue;
                foreach (string phrase in Words(words.Phrases?.En).Concat(Words(words.Phrases?.Zh)))
                    Phrases.Add((phrase, intent, ContainsHan(phrase)));
                foreach (string w in Words(words.En))
                    Latin[w] = new Entry(w, intent, Place.Latin);
                foreach (string w in Words(words.Exact))
                    Exact[w] = new Entry(w, intent, Place.Exact);
                foreach (string w in Words(words.Zh))
                    HanByLength.Add(new Entry(w, intent, Place.HanStart));
                foreach (string w in Words(words.ZhAnywhere))
                {
                    HanByLength.Add(new Entry(w, intent, Place.HanAnywhere));
                    HanAnywhere.Add(new Entry(w, intent, Place.HanAnywhere));
                }
            }
            HanByLength.Sort((x, y) => y.Word.Length.CompareTo(x.Word.Length));
            Fuzzy.AddRange(Latin.Values.Concat(Exact.Values).Where(e => e.Word.Length >= 4 && e.Word.All(char.IsAsciiLetterLower)));

            Fillers.AddRange(Words(lexicon.FillerWords?.En).Concat(Words(lexicon.FillerWords?.Zh)).OrderByDescending(f => f.Length));
            SentenceEndings.AddRange(Words(lexicon.SentenceEndings).OrderByDescending(f => f.Length));
            LatinNegations.UnionWith(Words(lexicon.Negations?.En));
            HanNegations.AddRange(Words(lexicon.Negations?.Zh));
            AllWords.UnionWith(Words(lexicon.AllWords?.En).Concat(Words(lexicon.AllWords?.Zh)));
            NotTypos.UnionWith(Words(lexicon.NotTypos));
        }

        private static IEnumerable<string> Words(IEnumerable<string>? list) =>
            (list ?? []).Select(Fold).Where(w => w.Length > 0);
    }
}
