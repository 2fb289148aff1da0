using System.Text.RegularExpressions;
using Gateway.Audit;
using Gateway.Shell;
using Gateway.Tests.Support;

namespace Gateway.Tests.Shell;

/// <summary>Page texts: one mechanism (*.texts.yaml), both languages for every key, every key a page names exists, no literals.</summary>
public sealed partial class ConsoleTextsTests
{
    private static readonly ConsoleTexts Texts = new();

    private static IEnumerable<string> Pages() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "Gateway"), "*.cshtml", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));

    [Fact]
    public void EveryKeyAPageNames_Exists()
    {
        var missing = Pages()
            .SelectMany(page => KeyPattern().Matches(File.ReadAllText(page)).Select(m => (Page: Path.GetFileName(page), Key: m.Groups[1].Value)))
            .Where(k => !k.Key.EndsWith('.') && !Texts.Has(k.Key))
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryAuditAction_HasATextInBothLanguages()
    {
        foreach (var action in AuditActions.All)
        {
            Assert.True(Texts.Has($"audit.action.{action}"), $"audit.action.{action} is missing from Audit/audit.texts.yaml");
            Assert.NotEqual(Texts.In("zh", $"audit.action.{action}"), Texts.In("en", $"audit.action.{action}"));
        }
    }

    [Fact]
    public void EveryProvider_HasAText() =>
        Assert.All(Gateway.Delivery.SmsRoutes.KnownProviders, provider => Assert.True(Texts.Has($"broadcasts.provider.{provider}")));

    [Fact]
    public void EveryRole_HasAText() =>
        Assert.All(Gateway.Admin.Roles.All, role => Assert.True(Texts.Has($"role.{role}")));

    public sealed record BadFile(string Label, string Yaml, string Problem)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<BadFile> BadFiles => new()
    {
        new("no Chinese text", "a.title:\n  en: Title\n", "'a.title' has no 'zh:' text"),
        new("empty English text", "a.title:\n  en: \"\"\n  zh: 标题\n", "'a.title' has no 'en:' text"),
        new("placeholders differ", "a.count:\n  en: \"{0} people\"\n  zh: 人数\n", "'a.count' uses different placeholders"),
        new("not a map", "- one\n- two\n", "must be a map of keys"),
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadTextsFile_StopsTheStart_NamingTheKey(BadFile bad)
    {
        var e = Assert.Throws<InvalidDataException>(() => new ConsoleTexts([("x.texts.yaml", bad.Yaml)]));
        Assert.Contains(bad.Problem, e.Message);
    }

    [Fact]
    public void AKeyInTwoFiles_IsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => new ConsoleTexts([("a.texts.yaml", "k:\n  en: A\n  zh: 甲\n"), ("b.texts.yaml", "k:\n  en: B\n  zh: 乙\n")]));
        Assert.Contains("defined twice", e.Message);
    }

    [Fact]
    public void Pages_HaveNoLiteralTexts()
    {
        var literals = new List<string>();
        foreach (var page in Pages())
        {
            var markup = CodeBlocks(File.ReadAllText(page));
            foreach (Match m in TextBetweenTags().Matches(markup))
            {
                var text = RazorExpression().Replace(m.Groups[1].Value, "");
                if (Letters().IsMatch(text)) literals.Add($"{Path.GetFileName(page)}: '{m.Groups[1].Value.Trim()}'");
            }
            foreach (Match m in ReadAttribute().Matches(markup))
                if (!m.Groups[2].Value.StartsWith('@') && Letters().IsMatch(m.Groups[2].Value)) literals.Add($"{Path.GetFileName(page)}: {m.Value}");
        }
        Assert.Empty(literals);
    }

    /// <summary>The page without its @{ … } blocks and directive lines: what is left is markup and @-expressions.</summary>
    private static string CodeBlocks(string page)
    {
        var lines = page.Split('\n').Where(l => !DirectiveLine().IsMatch(l) && !ControlLine().IsMatch(l));
        var text = string.Join('\n', lines).Replace("=>", "");
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '@' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var depth = 0;
                for (i++; i < text.Length; i++)
                {
                    if (text[i] == '{') depth++;
                    else if (text[i] == '}' && --depth == 0) break;
                }
                continue;
            }
            result.Append(text[i]);
        }
        return result.ToString();
    }

    [GeneratedRegex(@"T(?:\.In\([^,]+,\s*)?\[?""([a-z_]+(?:\.[a-z0-9_]+)+\.?)""")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@">([^<>]*)<")]
    private static partial Regex TextBetweenTags();

    [GeneratedRegex(@"@(?:\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|[A-Za-z_][\w.]*(?:\[[^\]]*\]|\((?:[^()]|\([^()]*\))*\))*)")]
    private static partial Regex RazorExpression();

    [GeneratedRegex(@"[A-Za-z\u4e00-\u9fff]{2,}")]
    private static partial Regex Letters();

    [GeneratedRegex(@"\b(title|aria-label|alt|placeholder)=""([^""]*)""")]
    private static partial Regex ReadAttribute();

    [GeneratedRegex(@"^\s*@(page|model|using|inject|addTagHelper)\b")]
    private static partial Regex DirectiveLine();

    /// <summary>C# lines inside markup: control statements, braces, local variables.</summary>
    [GeneratedRegex(@"^\s*(@?(if|foreach|for|else|while|switch)\b.*|[{}]\s*|var .*)$")]
    private static partial Regex ControlLine();
}
