using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Gateway.Data;

/// <summary>
/// ASP.NET Core Data Protection's key ring in the data_protection_keys table: staff cookies and antiforgery tokens made
/// by one web process are read by every other, and survive restarts. Data Protection calls this synchronously and
/// rarely (at start, when a key is made, and when a cookie names a key it has not seen), then keeps the ring in memory.
/// </summary>
public sealed class DataProtectionKeys(NpgsqlDataSource db) : IXmlRepository
{
    private const string SelectSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    private const string InsertSql = """
        INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@FriendlyName, @Xml)
        ON CONFLICT (friendly_name) DO NOTHING
        """;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db.OpenConnection();
        return conn.Query<string>(SelectSql).Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var conn = db.OpenConnection();
        conn.Execute(InsertSql, new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
