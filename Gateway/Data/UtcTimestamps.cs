using System.Data;
using Dapper;

namespace Gateway.Data;

/// <summary>
/// The one place timestamps are read from PostgreSQL: every column is timestamptz, which Npgsql reads as a UTC
/// DateTime; read into a DateTimeOffset (a record's member, a scalar) it arrives here and becomes an instant at offset 0,
/// so no call site converts by hand. (Written, Npgsql takes a DateTimeOffset at offset 0 only: producers pass UTC.)
/// </summary>
public sealed class UtcTimestamps : SqlMapper.TypeHandler<DateTimeOffset>
{
    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTimeOffset instant => instant.ToUniversalTime(),
        DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
        DateTime other => throw new DataException($"timestamp {other:O} has no time zone: columns that hold instants must be timestamptz"),
        _ => throw new DataException($"cannot read {value.GetType().Name} as a timestamp"),
    };

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();
}
