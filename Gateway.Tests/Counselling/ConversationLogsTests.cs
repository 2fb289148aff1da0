using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Counselling;

/// <summary>
/// Logs never contain conversation text, at any level, and never the resident's full number at Information or above:
/// a whole conversation (TALK, claim, the counsellor's reply, the resident's answers, crisis words, a note, STOP)
/// with every log line the host writes captured.
/// </summary>
public sealed class ConversationLogsTests(ConversationLogsTests.App app) : IClassFixture<ConversationLogsTests.App>
{
    public sealed class App : CounsellingApp
    {
        public CapturedLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(Logs.AddTo);
        }
    }

    [Fact]
    public async Task AWholeConversation_LeavesNoTextOfItInTheLogs()
    {
        var phone = CounsellingApp.NewPhone();
        const string residentText = "my brother zorbleflax is sick";
        const string crisisText = "我不想活了 quuxbarnacle";
        const string counsellorText = "I hear you, plimwoggle";
        const string noteText = "private note snerdwhistle";

        await app.Resident.SendAsync(phone, "TALK");
        var id = await app.RequestIdAsync(phone);
        Assert.Equal(HttpStatusCode.OK, (await app.ClaimAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await app.ReplyAsync(id, counsellorText)).StatusCode);
        await app.Resident.SendAsync(phone, residentText);
        await app.Resident.SendAsync(phone, crisisText);
        var note = await app.AdminClient(CounsellingApp.LinToken).PostAsJsonAsync($"/api/support/requests/{id}/notes", new { text = noteText });
        Assert.True(note.IsSuccessStatusCode, $"note: {(int)note.StatusCode}");
        await app.ReceivedAsync(phone);
        await app.Resident.SendAsync(phone, "STOP");
        await app.ReceivedAsync(phone);

        var conversation = await app.ConversationAsync(id);
        Assert.Contains($"in: {residentText}", conversation);

        var lines = app.Logs.Lines;
        Assert.NotEmpty(lines);
        foreach (var secret in new[] { "zorbleflax", "quuxbarnacle", "plimwoggle", "snerdwhistle", "我不想活了" })
            Assert.DoesNotContain(lines, l => l.Message.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Information && l.Message.Contains(phone, StringComparison.Ordinal));

        // The Support slice's lines are its source-generated ones (Support/SupportLog.cs): opened, claimed, crisis, opted out.
        var support = lines.Where(l => l.Category.StartsWith("Gateway.Support.", StringComparison.Ordinal)).ToList();
        Assert.All(support, l => Assert.True(l.EventId is > 3000 and < 3100, $"{l.Category} {l.EventId}: {l.Message}"));
        Assert.Superset(new HashSet<int> { 3002, 3003, 3004, 3005 }, support.Select(l => l.EventId).ToHashSet());
    }
}
