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
            parameters.AddDynamicParams(statement.Parameters);
            sql.Append(statement.Sql.TrimEnd().TrimEnd(';')).Append(";\n");
        }
        return new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: ct);
    }
}
