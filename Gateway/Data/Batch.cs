using System.Collections.Concurrent;
using System.Reflection;
using Npgsql;

namespace Gateway.Data;

/// <summary>
/// Statements sent together in one round trip (NpgsqlBatch). Without an explicit transaction Npgsql runs a batch
/// as one implicit transaction: if any statement fails, none of them is kept. Used on hot paths (the inbound
/// webhook) where round trips, not SQL, are the cost; elsewhere Dapper's one statement per call is clearer.
/// </summary>
public static class Batch
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> PropertiesByType = new();

    /// <summary>One statement, its @Name parameters taken from the properties of <paramref name="args"/> as Dapper does;
    /// when several objects have a property of the same name, the first one's value is used.</summary>
    public static NpgsqlBatchCommand Command(string sql, params object[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var arg in args)
            foreach (var property in PropertiesByType.GetOrAdd(arg.GetType(), type => type.GetProperties()))
                if (!command.Parameters.Contains(property.Name))
                    command.Parameters.Add(new NpgsqlParameter(property.Name, property.GetValue(arg) ?? DBNull.Value));
        return command;
    }
}
