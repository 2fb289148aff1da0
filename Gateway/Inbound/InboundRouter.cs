using Dapper;
using Gateway.Hosting;
using Gateway.Templates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>Decides what a stored inbound message means and what to reply, then marks it handled.</summary>
public sealed class InboundRouter(NpgsqlDataSource db, TimeProvider clock, MessageTexts texts, IOptions<GatewayOptions> options)
{
    private const string MarkHandledSql = """
        UPDATE inbound_messages
           SET intent = @Intent, reply = @Reply, handled_at = @HandledAt
         WHERE id = @Id AND handled_at IS NULL
        """;

    public async Task<string?> RouteAsync(long inboundId, InboundSms sms, CancellationToken ct)
    {
        var reply = texts.Get(MessageKeys.Help, options.Value.DefaultLanguage);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(MarkHandledSql,
            new { Id = inboundId, Intent = "unknown", Reply = reply, HandledAt = clock.GetUtcNow() }, cancellationToken: ct));
        return reply;
    }
}
