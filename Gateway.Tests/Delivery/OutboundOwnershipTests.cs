using System.Text.RegularExpressions;
using Dapper;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Delivery;

/// <summary>
/// The Delivery slice owns the outbound queue: every producer enqueues through Outbox (one message, or a set through
/// Outbox.EnqueueRowsSql), and every reader goes through OutboundHistory. So no SQL outside Gateway/Delivery/ names the
/// table or any column only it has (the schema says which; migrations define it and are left out).
/// </summary>
public sealed partial class OutboundOwnershipTests
{
    [Fact]
    public async Task NoSqlOutsideDelivery_NamesTheOutboundTableOrItsColumns()
    {
        var owned = await OutboundOnlyNamesAsync();
        Assert.Contains("dedupe_key", owned);   // the schema is what it should be: the check below is not empty

        var offenders = new List<string>();
        var gateway = Path.Combine(RepoPaths.Root, "Gateway");
        foreach (var file in Directory.EnumerateFiles(gateway, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(gateway, file).Replace('\\', '/');
            if (relative.StartsWith("Delivery/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
                continue;
            foreach (var literal in StringLiterals(File.ReadAllText(file)).Where(LooksLikeSql))
                foreach (var name in owned.Where(n => Regex.IsMatch(literal, $@"\b{n}\b")))
                    offenders.Add($"{relative}: '{name}' in \"{Shorten(literal)}\"");
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void TheCheck_FindsANameInARawStringLiteral()
    {
        const string source = "const string Sql = \"\"\"\n    INSERT INTO outbound_messages (recipient) VALUES (@To)\n    \"\"\";";
        Assert.Contains(StringLiterals(source), l => l.Contains("outbound_messages", StringComparison.Ordinal) && LooksLikeSql(l));
    }

    /// <summary>The table's name and its columns that no other table has.</summary>
    private static async Task<IReadOnlyList<string>> OutboundOnlyNamesAsync()
    {
        await using var conn = new NpgsqlConnection(await TestDatabase.CreateAsync());
        var columns = await conn.QueryAsync<string>("""
            SELECT c.column_name FROM information_schema.columns c
             WHERE c.table_schema = 'public' AND c.table_name = 'outbound_messages'
               AND NOT EXISTS (SELECT FROM information_schema.columns o
                                WHERE o.table_schema = 'public' AND o.table_name <> 'outbound_messages' AND o.column_name = c.column_name)
            """);
        return ["outbound_messages", .. columns];
    }

    // Raw ("""…"""), verbatim (@"…") and regular ("…") string literals, interpolated or not; good enough for our own code.
    private static IEnumerable<string> StringLiterals(string source) =>
        Literal().Matches(source).Select(m => m.Groups["raw"].Success ? m.Groups["raw"].Value : m.Groups["verbatim"].Success ? m.Groups["verbatim"].Value : m.Groups["plain"].Value);

    [GeneratedRegex("\"{3,}(?<raw>[\\s\\S]*?)\"{3,}|@\"(?<verbatim>(?:[^\"]|\"\")*)\"|\"(?<plain>(?:[^\"\\\\\\n]|\\\\.)*)\"")]
    private static partial Regex Literal();

    private static bool LooksLikeSql(string literal) => SqlWord().IsMatch(literal);

    [GeneratedRegex(@"\b(SELECT|INSERT|UPDATE|DELETE|JOIN|FROM)\b")]
    private static partial Regex SqlWord();

    private static string Shorten(string s) => s.Length <= 80 ? s.Trim() : s.Trim()[..80] + "…";
}
