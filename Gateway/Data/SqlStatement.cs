using System.Text;
using Dapper;

namespace Gateway.Data;

/// <summary>
/// One SQL statement and its parameters, as a slice that owns a table hands it to a caller that runs it with others:
/// the inbound pipeline sends a message's reply and every change it makes in one round trip. The statement's
/// parameter names start with its slice's word (@Consent…, @Support…), so that statements of several slices can
/// share one command.
/// </summary>
public sealed record SqlStatement(string Sql, object Parameters)
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo[]> PropertiesOf = new();

    /// <summary>
    /// The statements as one Dapper command: PostgreSQL runs them in order, in <paramref name="tx"/> or else in one
    /// implicit transaction (all or nothing). A parameter name used by two statements must carry the same value.
    /// </summary>
    public static CommandDefinition Command(IReadOnlyList<SqlStatement> statements, Npgsql.NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (statements.Count == 1)   // the common case (a message that changes nothing): no merging to do
            return new CommandDefinition(statements[0].Sql, statements[0].Parameters, tx, cancellationToken: ct);
        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        var seen = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var statement in statements)
        {
            foreach (var property in PropertiesOf.GetOrAdd(statement.Parameters.GetType(), type => type.GetProperties()))
            {
                var value = property.GetValue(statement.Parameters);
                if (seen.TryGetValue(property.Name, out var earlier) && !Equals(earlier, value))
                    throw new ArgumentException($"@{property.Name} has two values in one command: give one statement's parameter another name", nameof(statements));
                seen[property.Name] = value;
            }
            // Each statement's object as a template: Dapper binds it with the code it compiled for that type and command
            // text (typed, a null as its type's NULL), as it binds a single statement. A name a later template repeats is
            // bound once (its value is the same, checked above). Added value by value instead, Dapper reads each
            // parameter's DbType back after setting its value, and Npgsql infers it anew from the value every time: on
            // the webhook's fast path that inference cost more CPU than the rest of the binding (perf, 2026-12-03).
            parameters.AddDynamicParams(statement.Parameters);
            sql.Append(statement.Sql.TrimEnd().TrimEnd(';')).Append(";\n");
        }
        return new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: ct);
    }
}
