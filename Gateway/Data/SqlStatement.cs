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

    // A null value still needs its type (PostgreSQL must know what NULL it is); arrays and the rest Npgsql infers.
    private static System.Data.DbType? DbTypeOf(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => System.Data.DbType.String,
        var t when t == typeof(long) => System.Data.DbType.Int64,
        var t when t == typeof(int) => System.Data.DbType.Int32,
        var t when t == typeof(short) => System.Data.DbType.Int16,
        var t when t == typeof(bool) => System.Data.DbType.Boolean,
        var t when t == typeof(DateTimeOffset) => System.Data.DbType.DateTimeOffset,
        _ => null,
    };

    private static readonly UtcTimestamps Timestamps = new();

    /// <summary>
    /// The statements as one Dapper command: PostgreSQL runs them in order, in <paramref name="tx"/> or else in one
    /// implicit transaction (all or nothing). A parameter name used by two statements must carry the same value.
    /// </summary>
    public static CommandDefinition Command(IReadOnlyList<SqlStatement> statements, Npgsql.NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (statements.Count == 1)   // the common case (a message that changes nothing): no merging to do
            return new CommandDefinition(statements[0].Sql, statements[0].Parameters, tx, cancellationToken: ct);
        // Sized at once: growing them was a tenth of what a webhook allocated (webhook --diagnose, dotnet-trace).
        var length = 0;
        foreach (var statement in statements)
            length += statement.Sql.Length + 2;
        var sql = new StringBuilder(length);
        var parameters = new DynamicParameters();
        var seen = new Dictionary<string, object?>(32, StringComparer.OrdinalIgnoreCase);
        foreach (var statement in statements)
        {
            foreach (var property in PropertiesOf.GetOrAdd(statement.Parameters.GetType(), type => type.GetProperties()))
            {
                var value = property.GetValue(statement.Parameters);
                if (seen.TryGetValue(property.Name, out var earlier))
                {
                    if (!Equals(earlier, value))
                        throw new ArgumentException($"@{property.Name} has two values in one command: give one statement's parameter another name", nameof(statements));
                    continue;
                }
                seen[property.Name] = value;
                // Added one by one rather than as templates: Dapper then compiles nothing per statement and command.
                parameters.Add(property.Name, new BoundValue(value, DbTypeOf(property.PropertyType)));
            }
            sql.Append(statement.Sql.TrimEnd().TrimEnd(';')).Append(";\n");
        }
        return new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: ct);
    }

    /// <summary>
    /// One value of a merged command, bound through Dapper's ICustomQueryParameter: its parameter is made with the value
    /// (a timestamp through <see cref="UtcTimestamps"/>, as Dapper binds one) and, for a null, its type, and nothing
    /// reads the type back. A plain value or a template would have Dapper read each parameter's DbType after setting its
    /// value, which Npgsql answers by inferring the type anew through its global type mapper: 5-6 % of the gateway's CPU
    /// samples on the webhook's fast path under perf (2026-12-03), more than the rest of the binding.
    /// </summary>
    private sealed class BoundValue(object? value, System.Data.DbType? nullType) : SqlMapper.ICustomQueryParameter
    {
        public void AddParameter(System.Data.IDbCommand command, string name)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            if (value is DateTimeOffset instant)
                Timestamps.SetValue(parameter, instant);
            else if (value is null && nullType is { } type)
            {
                parameter.DbType = type;
                parameter.Value = DBNull.Value;
            }
            else
                parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }
}
