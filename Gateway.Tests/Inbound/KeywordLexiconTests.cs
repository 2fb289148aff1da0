using Gateway.Inbound;
using Gateway.Tests.Support;

namespace Gateway.Tests.Inbound;

public sealed class KeywordLexiconTests : IDisposable
{
    // The smallest lexicon that loads; each test breaks one thing in it.
    private const string ValidYaml = """
        filler_words: { en: [please], zh: [请] }
        sentence_endings: [了]
        negations: { en: [not], zh: [不] }
        crisis: { en: [kill myself], zh: [自杀] }
        language_names: { en: [EN], zh: [中文] }
        intents:
          opt_out_all: { en: [TD] }
          opt_in: { en: [START] }
          yes: { en: [YES] }
          join: { en: [JOIN] }
          leave: { en: [STOP], zh_anywhere: [退订] }
          help: { en: [HELP], exact: ["?"] }
          language: { en: [LANG] }
          next: { en: [NEXT] }
          repeat: { en: [REPEAT] }
          time: { en: [TIME] }
          talk: { en: [TALK] }
          my_data: { en: [MYDATA] }
        """;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"keywords-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_path);

    private string LoadFails(string yaml)
    {
        File.WriteAllText(_path, yaml);
        var error = Assert.Throws<InvalidDataException>(() => KeywordLexicon.Load(_path));
        Assert.Contains(_path, error.Message);
        return error.Message;
    }

    [Fact]
    public void Load_AcceptsTheRealFileAndTheMinimalOne()
    {
        Assert.NotNull(KeywordLexicon.Load(Path.Combine(RepoPaths.Templates, "keywords.yaml")));
        File.WriteAllText(_path, ValidYaml);
        Assert.Equal(Intent.OptOutAll, new KeywordParser(KeywordLexicon.Load(_path)).Parse("stop").Intent);
    }

    [Fact]
    public void Load_NamesTheWord_WhenTwoIntentsClaimIt()
    {
        string message = LoadFails(ValidYaml.Replace("en: [HELP]", "en: [HELP, stop]"));
        Assert.Contains("\"stop\" is listed twice, under 'intents.leave.en' and 'intents.help.en'", message);
    }

    [Fact]
    public void Load_RejectsAWordClaimedTwice_AfterFolding()
    {
        string message = LoadFails(ValidYaml.Replace("en: [HELP]", "en: [HELP, ＳＴＯＰ]"));
        Assert.Contains("listed twice", message);
    }

    [Fact]
    public void Load_RejectsAKeywordAmongTheWordsThatAreNeverTypos()
    {
        string message = LoadFails(ValidYaml.Replace("language_names:", "not_typos: [john, stop]\nlanguage_names:"));
        Assert.Contains("is listed twice, under 'not_typos'", message);
    }

    [Fact]
    public void Load_RejectsASentenceAmongTheWordsThatAreNeverTypos()
    {
        string message = LoadFails(ValidYaml.Replace("language_names:", "not_typos: [john cruz]\nlanguage_names:"));
        Assert.Contains("'not_typos': \"john cruz\" must be one English word", message);
    }

    [Fact]
    public void Load_RejectsAnEmptyList()
    {
        string message = LoadFails(ValidYaml.Replace("en: [HELP], exact", "en: [HELP], zh: [], exact"));
        Assert.Contains("'intents.help.zh' is an empty list", message);
    }

    [Fact]
    public void Load_RejectsMissingAndUnknownIntents()
    {
        string message = LoadFails(ValidYaml.Replace("opt_out_all:", "opt_ot_all:"));
        Assert.Contains("'intents.opt_ot_all' is not an intent the gateway knows", message);
        Assert.Contains("'intents.opt_out_all' is missing", message);
    }

    [Fact]
    public void Load_RejectsMissingCrisisWords()
    {
        string message = LoadFails(ValidYaml.Replace("crisis: { en: [kill myself], zh: [自杀] }", "crisis: { zh: [自杀] }"));
        Assert.Contains("'crisis.en' is missing", message);
    }

    [Fact]
    public void Load_RejectsASentenceAmongEnglishKeywords()
    {
        string message = LoadFails(ValidYaml.Replace("en: [TD]", "en: [TD, OPT OUT]"));
        Assert.Contains("\"OPT OUT\" must be one English word", message);
    }

    [Fact]
    public void Load_RejectsAKeywordThatStartsWithAFillerWord()
    {
        string message = LoadFails(ValidYaml.Replace("exact: [\"?\"]", "exact: [\"?\"], zh: [请求帮助]"));
        Assert.Contains("starts or ends with the filler word \"请\"", message);
    }

    [Fact]
    public void Load_GivesTheLine_ForAMisspeltSetting()
    {
        string message = LoadFails(ValidYaml.Replace("zh_anywhere:", "zh_anywher:"));
        Assert.Contains("line 11", message);
        Assert.Contains("zh_anywher", message);
    }

    [Fact]
    public void Load_RejectsTheSameIntentTwice()
    {
        string message = LoadFails(ValidYaml + "\n  help: { en: [MENU] }\n");
        Assert.Contains("duplicate key help", message);
    }

    [Fact]
    public void Load_RejectsAnEmptyFile() =>
        Assert.Contains("the file is empty", LoadFails("# nothing yet\n"));

    [Fact]
    public void Load_NamesAMissingFile()
    {
        var error = Assert.Throws<InvalidDataException>(() => KeywordLexicon.Load(_path));
        Assert.Contains(_path, error.Message);
    }
}
