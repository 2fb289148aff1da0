using Gateway.Templates;
using YamlDotNet.Serialization.NamingConventions;

namespace Gateway.Inbound;

/// <summary>The keyword words of templates/keywords.yaml, edited by content staff. Use <see cref="Load"/>, which validates.</summary>
public sealed record KeywordLexicon
{
    public WordLists? FillerWords { get; init; }
    public List<string>? SentenceEndings { get; init; }
    public WordLists? Negations { get; init; }
    public WordLists? Crisis { get; init; }
    public WordLists? AllWords { get; init; }
    public WordLists? LanguageNames { get; init; }

    /// <summary>Ordinary English words and names one typo away from a keyword ("john", "joint", "top"): never read as that keyword.</summary>
    public List<string>? NotTypos { get; init; }

    /// <summary>Keyed by the snake_case intent name: opt_out_all, join, my_data, ...</summary>
    public Dictionary<string, IntentWords>? Intents { get; init; }

    public sealed record WordLists
    {
        public List<string>? En { get; init; }
        public List<string>? Zh { get; init; }
    }

    /// <summary>The words for one intent; the YAML file's header explains where each kind of word may appear.</summary>
    public sealed record IntentWords
    {
        public List<string>? En { get; init; }
        public List<string>? Zh { get; init; }
        public List<string>? ZhAnywhere { get; init; }
        public List<string>? Exact { get; init; }
        public WordLists? Phrases { get; init; }
    }

    // Every intent except these needs an entry in the file; crisis words have their own section.
    private static readonly Intent[] NotInFile = [Intent.Unknown, Intent.Crisis];

    /// <summary>Reads and validates the file. Throws <see cref="InvalidDataException"/> naming the file and every problem.</summary>
    public static KeywordLexicon Load(string path)
    {
        var lexicon = ContentRules.Read<KeywordLexicon>(path);
        var problems = lexicon.FindProblems();
        if (problems.Count > 0)
            throw new InvalidDataException($"Keyword lexicon {path} is invalid:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}");
        return lexicon;
    }

    /// <summary>The intents section by enum value; entries whose name is not an intent are left out.</summary>
    public IReadOnlyDictionary<Intent, IntentWords> WordsByIntent() =>
        (Intents ?? []).Select(kv => (Intent: IntentFromName(kv.Key), Words: kv.Value))
            .Where(x => x.Intent is not null && x.Words is not null)
            .ToDictionary(x => x.Intent!.Value, x => x.Words);

    private static string NameOf(Intent intent) => UnderscoredNamingConvention.Instance.Apply(intent.ToString());

    private static Intent? IntentFromName(string name) =>
        Enum.GetValues<Intent>().Except(NotInFile).Cast<Intent?>().FirstOrDefault(i => NameOf(i!.Value) == name);

    // ---- Validation: every message must tell content staff which line to fix -----------------------------------

    private enum Shape { EnglishWord, EnglishToken, ChineseWord, EnglishText, ChineseText, LanguageName, Anything }

    private List<string> FindProblems()
    {
        var problems = new List<string>();
        var claimed = new Dictionary<string, string>();      // folded word -> where it is listed
        var commands = new List<(string Word, string Where)>();  // words matched after filler words are removed

        void Check(List<string>? list, string where, Shape shape, bool required = false, bool claim = true, bool command = false)
        {
            if (list is null)
            {
                if (required)
                    problems.Add($"'{where}' is missing");
                return;
            }
            if (list.Count == 0)
            {
                problems.Add($"'{where}' is an empty list: add words or delete the line");
                return;
            }
            foreach (string raw in list)
            {
                string word = KeywordParser.Fold(raw);
                if (word.Length == 0)
                {
                    problems.Add($"'{where}' has a blank entry");
                    continue;
                }
                if (ShapeProblem(word, shape) is { } problem)
                    problems.Add($"'{where}': \"{raw}\" {problem}");
                if (claim && !claimed.TryAdd(word, where))
                    problems.Add($"\"{raw}\" is listed twice, under '{claimed[word]}' and '{where}': a word can have only one meaning");
                if (command)
                    commands.Add((word, where));
            }
        }

        if (FillerWords is null) problems.Add("'filler_words' is missing");
        Check(FillerWords?.En, "filler_words.en", Shape.EnglishText, claim: false);
        Check(FillerWords?.Zh, "filler_words.zh", Shape.ChineseWord, claim: false);
        Check(SentenceEndings, "sentence_endings", Shape.ChineseWord, claim: false);
        if (Negations is null) problems.Add("'negations' is missing");
        Check(Negations?.En, "negations.en", Shape.EnglishToken, claim: false);
        Check(Negations?.Zh, "negations.zh", Shape.ChineseWord, claim: false);
        Check(Crisis?.En, "crisis.en", Shape.EnglishText, required: true);
        Check(Crisis?.Zh, "crisis.zh", Shape.ChineseText, required: true);
        Check(AllWords?.En, "all_words.en", Shape.EnglishWord);
        Check(AllWords?.Zh, "all_words.zh", Shape.ChineseWord);
        Check(LanguageNames?.En, "language_names.en", Shape.LanguageName, required: true, command: true);
        Check(LanguageNames?.Zh, "language_names.zh", Shape.LanguageName, required: true, command: true);
        Check(NotTypos, "not_typos", Shape.EnglishWord);

        if (Intents is null)
        {
            problems.Add("'intents' is missing");
            return problems;
        }
        foreach (string name in Intents.Keys.Where(n => IntentFromName(n) is null))
            problems.Add($"'intents.{name}' is not an intent the gateway knows; expected one of: {string.Join(", ", Enum.GetValues<Intent>().Except(NotInFile).Select(NameOf))}");
        foreach (Intent intent in Enum.GetValues<Intent>().Except(NotInFile))
        {
            string name = NameOf(intent);
            if (!Intents.TryGetValue(name, out var words) || words is null)
            {
                problems.Add($"'intents.{name}' is missing");
                continue;
            }
            if (words is { En: null, Zh: null, ZhAnywhere: null, Exact: null } && words.Phrases is null or { En: null, Zh: null })
                problems.Add($"'intents.{name}' has no words");
            Check(words.En, $"intents.{name}.en", Shape.EnglishWord, command: true);
            Check(words.Zh, $"intents.{name}.zh", Shape.ChineseWord, command: true);
            Check(words.ZhAnywhere, $"intents.{name}.zh_anywhere", Shape.ChineseWord, command: true);
            Check(words.Exact, $"intents.{name}.exact", Shape.Anything, command: true);
            Check(words.Phrases?.En, $"intents.{name}.phrases.en", Shape.EnglishText);
            Check(words.Phrases?.Zh, $"intents.{name}.phrases.zh", Shape.ChineseText);
        }

        // Filler words are removed before keywords are looked up, so a keyword must not be, start or end with one.
        var latinFillers = (FillerWords?.En ?? []).Select(KeywordParser.Fold).ToHashSet();
        var hanFillers = (FillerWords?.Zh ?? []).Select(KeywordParser.Fold).Where(f => f.Length > 0).ToList();
        var endings = (SentenceEndings ?? []).Select(KeywordParser.Fold).Where(f => f.Length > 0).ToList();
        foreach (var (word, where) in commands)
        {
            if (latinFillers.Contains(word) || hanFillers.Contains(word))
                problems.Add($"\"{word}\" under '{where}' is also a filler word, which is ignored, so it can never match");
            else if (hanFillers.FirstOrDefault(f => word.StartsWith(f, StringComparison.Ordinal) || word.EndsWith(f, StringComparison.Ordinal)) is { } filler)
                problems.Add($"\"{word}\" under '{where}' starts or ends with the filler word \"{filler}\", which is removed first, so it can never match");
            else if (endings.FirstOrDefault(e => word.EndsWith(e, StringComparison.Ordinal)) is { } ending)
                problems.Add($"\"{word}\" under '{where}' ends with \"{ending}\", which is removed first (sentence_endings), so it can never match");
        }
        return problems;
    }

    private static string? ShapeProblem(string word, Shape shape)
    {
        bool han = KeywordParser.ContainsHan(word);
        bool onlyLetters = word.All(char.IsAsciiLetterLower);
        if (shape != Shape.Anything && KeywordParser.Normalize(word) != word)
            return "starts or ends with punctuation, which is ignored in messages, so it can never match";
        return shape switch
        {
            Shape.EnglishWord when !onlyLetters => "must be one English word, letters only (put sentences under phrases)",
            Shape.EnglishToken when !word.All(c => char.IsAsciiLetterLower(c) || c == '\'') => "must be one English word (letters and ' only)",
            Shape.ChineseWord when !han || word.Contains(' ', StringComparison.Ordinal) => "must be Chinese characters without spaces",
            Shape.EnglishText when han => "contains Chinese characters: put it in the zh list",
            Shape.ChineseText when !han => "has no Chinese characters: put it in the en list",
            Shape.LanguageName when !onlyLetters && !(han && !word.Contains(' ', StringComparison.Ordinal))
                => "must be one English word or Chinese characters without spaces",
            _ => null,
        };
    }
}
