using System.Data;
using Dapper;

namespace Gateway.Data;

/// <summary>
/// The one place timestamps cross between PostgreSQL and C#: every column is timestamptz, which Npgsql reads as a
/// UTC DateTime; read into a DateTimeOffset it arrives here and becomes an instant at offset 0, so no call site
/// converts by hand. Written, an instant is sent in UTC (Npgsql refuses another offset for timestamptz), so a caller
/// may pass city time.
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
