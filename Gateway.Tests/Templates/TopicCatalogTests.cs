using Gateway.Templates;
using Gateway.Tests.Support;

namespace Gateway.Tests.Templates;

public sealed class TopicCatalogTests
{
    private static readonly TopicCatalog Catalog = new(Path.Combine(RepoPaths.Templates, "topics.yaml"));

    [Theory]
    [InlineData("1", "notices")]
    [InlineData("２", "tips")]                      // full-width digit
    [InlineData("#3", "lessons")]
    [InlineData("4", "mental-health")]
    [InlineData("tips", "tips")]
    [InlineData("TIPS", "tips")]
    [InlineData("mental-health", "mental-health")]
    [InlineData("mental health", "mental-health")]
    [InlineData("Mental Health Support", "mental-health")]
    [InlineData("daily health tip", "tips")]
    [InlineData("Prevention notices", "notices")]
    [InlineData("防疫通知", "notices")]
    [InlineData("每日健康小贴士", "tips")]
    [InlineData("心理关怀", "mental-health")]
    [InlineData("心理健康", "mental-health")]       // Chinese: a name followed by more characters
    [InlineData("每日提示", "tips")]
    [InlineData("小贴士", "tips")]
    [InlineData("「通知」", "notices")]
    [InlineData("ｔｉｐｓ", "tips")]
    public void Resolve_FindsTheTopic(string typed, string key) => Assert.Equal(key, Catalog.Resolve(typed)?.Key);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("11")]            // a course number: the lessons slice's
    [InlineData("all")]
    [InlineData("tipsy")]
    [InlineData("by later")]
    [InlineData("新闻")]
    public void Resolve_UnknownIsNull(string? typed) => Assert.Null(Catalog.Resolve(typed));

    [Fact]
    public void Menu_ListsNumbersAndNames_InEachLanguage()
    {
        Assert.Equal("1 Prevention notices, 2 Daily health tip, 3 Health lessons, 4 Mental health support", Catalog.Menu("en"));
        Assert.Equal("1 防疫通知，2 每日健康小贴士，3 健康课堂，4 心理关怀", Catalog.Menu("zh"));
    }

    [Fact]
    public void Names_FollowTheCatalogOrder_AndSayNoneWhenEmpty()
    {
        Assert.Equal("Daily health tip, Mental health support", Catalog.Names(["mental-health", "tips"], "en", "none"));
        Assert.Equal("无", Catalog.Names([], "zh", "无"));
    }

    public sealed record BadFile(string Label, string Yaml, string Problem)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<BadFile> BadFiles => new()
    {
        new("empty", "", "the file is empty"),
        new("no topics key", "other: 1\n", "not found"),
        new("not YAML", "topics: [", "line"),
        new("number out of range", "topics:\n  - { key: notices, number: 11, name: { zh: 通知, en: Notices } }", "'number' must be 1-9"),
        new("two topics, one number", "topics:\n  - { key: notices, number: 1, name: { zh: 通知, en: Notices } }\n  - { key: tips, number: 1, name: { zh: 贴士, en: Tips } }", "number 1 is used by notices and tips"),
        new("an alias naming two topics", "topics:\n  - { key: notices, number: 1, name: { zh: 通知, en: Notices }, aliases: [news] }\n  - { key: tips, number: 2, name: { zh: 贴士, en: Tips }, aliases: [news] }", "\"news\" names both"),
        new("missing English name", "topics:\n  - { key: notices, number: 1, name: { zh: 通知 } }", "'name.en' is required"),
        new("key not a slug", "topics:\n  - { key: Notices Now, number: 1, name: { zh: 通知, en: Notices } }", "'key' must be a lowercase slug"),
        new("no default topic", "topics:\n  - { key: tips, number: 2, name: { zh: 贴士, en: Tips } }", "default topic 'notices'"),
    };

    [Theory, MemberData(nameof(BadFiles))]
    public void BadFiles_AreRefused_NamingTheProblem(BadFile c)
    {
        var path = Path.Combine(Path.GetTempPath(), $"topics-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, c.Yaml);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => new TopicCatalog(path));
            Assert.Contains(c.Problem, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
