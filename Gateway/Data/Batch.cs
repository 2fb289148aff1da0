using Npgsql;

namespace Gateway.Data;

/// <summary>
/// Statements sent together in one round trip (NpgsqlBatch). Without an explicit transaction Npgsql runs a batch
/// as one implicit transaction: if any statement fails, none of them is kept. Used on hot paths (the inbound
/// webhook) where round trips, not SQL, are the cost; elsewhere Dapper's one statement per call is clearer.
/// </summary>
public static class Batch
{
    /// <summary>One statement, its @Name parameters taken from the properties of <paramref name="args"/> as Dapper does.</summary>
    public static NpgsqlBatchCommand Command(string sql, object args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var property in args.GetType().GetProperties())
            command.Parameters.Add(new NpgsqlParameter(property.Name, property.GetValue(args) ?? DBNull.Value));
        return command;
    }
}
