using Dapper;
using Npgsql;

namespace Gateway.Staff;

/// <summary>The staff table: every read and write of it. Names match whatever their case (unique index on lower(name)).</summary>
public sealed class StaffAccounts(NpgsqlDataSource db)
{
    private const string Columns = """
        id, name, display_name, roles, regions, password_hash, stamp, created_at, created_by, disabled_at, last_sign_in_at,
        failed_sign_ins, locked_until
        """;

    private const string ListSql = $"SELECT {Columns} FROM staff ORDER BY lower(name)";

    private const string FindSql = $"SELECT {Columns} FROM staff WHERE lower(name) = lower(@Name)";

    private const string FindForUpdateSql = FindSql + " FOR UPDATE";

    private const string FindByIdSql = $"SELECT {Columns} FROM staff WHERE id = @Id";

    private const string InsertSql = $"""
        INSERT INTO staff (name, display_name, roles, regions, password_hash, stamp, created_at, created_by)
             VALUES (@Name, @DisplayName, @Roles, @Regions, @PasswordHash, @Stamp, @Now, @CreatedBy)
        ON CONFLICT ((lower(name))) DO NOTHING
        RETURNING {Columns}
        """;

    private const string AnyEnabledAdminOtherThanSql = """
        SELECT EXISTS (SELECT 1 FROM staff WHERE id <> @Id AND disabled_at IS NULL AND 'admin' = ANY(roles))
        """;

    private const string CountSql = "SELECT count(*) FROM staff";

    public async Task<IReadOnlyList<StaffMember>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<StaffMember>(new CommandDefinition(ListSql, cancellationToken: ct))).AsList();
    }

    public async Task<StaffMember?> FindAsync(string name, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffMember>(new CommandDefinition(FindSql, new { Name = name }, cancellationToken: ct));
    }

    public async Task<StaffMember?> FindByIdAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffMember>(new CommandDefinition(FindByIdSql, new { Id = id }, cancellationToken: ct));
    }

    /// <summary>The row, locked until the transaction ends: sign-ins and staff changes of one person take turns.</summary>
    public static Task<StaffMember?> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string name, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<StaffMember>(new CommandDefinition(FindForUpdateSql, new { Name = name }, tx, cancellationToken: ct));

    /// <summary>Inserts a person; null when the name (in any case) is taken.</summary>
    public static Task<StaffMember?> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewStaffMember member, string passwordHash,
        string createdBy, DateTimeOffset now, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<StaffMember>(new CommandDefinition(InsertSql, new
        {
            member.Name,
            member.DisplayName,
            Roles = member.Roles.ToArray(),
            Regions = member.Regions.ToArray(),
            PasswordHash = passwordHash,
            Stamp = Guid.NewGuid(),
            Now = now,
            CreatedBy = createdBy,
        }, tx, cancellationToken: ct));

    /// <summary>Whether an enabled admin other than <paramref name="id"/> exists (the console must keep one).</summary>
    public static Task<bool> AnyOtherEnabledAdminAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(AnyEnabledAdminOtherThanSql, new { Id = id }, tx, cancellationToken: ct));

    public async Task<long> CountAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, cancellationToken: ct));
    }

    // ---- Changes of one person's row, each in the caller's transaction (after LockAsync), returning the row as changed ----

    private const string SignedInSql = $"""
        UPDATE staff SET last_sign_in_at = @Now, failed_sign_ins = 0, locked_until = NULL,
                         password_hash = coalesce(@Rehash, password_hash)
         WHERE id = @Id RETURNING {Columns}
        """;

    // The failure that reaches the limit locks the account and starts the count again.
    private const string FailedSql = $"""
        UPDATE staff SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= @Limit THEN 0 ELSE failed_sign_ins + 1 END,
                         locked_until    = CASE WHEN failed_sign_ins + 1 >= @Limit THEN @LockedUntil ELSE locked_until END
         WHERE id = @Id RETURNING {Columns}
        """;

    private const string DisableSql = $"UPDATE staff SET disabled_at = @Now, stamp = @Stamp WHERE id = @Id RETURNING {Columns}";

    private const string EnableSql = $"""
        UPDATE staff SET disabled_at = NULL, failed_sign_ins = 0, locked_until = NULL WHERE id = @Id RETURNING {Columns}
        """;

    private const string SetPasswordSql = $"""
        UPDATE staff SET password_hash = @PasswordHash, stamp = @Stamp, failed_sign_ins = 0, locked_until = NULL
         WHERE id = @Id RETURNING {Columns}
        """;

    private const string SetRolesSql = $"UPDATE staff SET roles = @Roles, regions = @Regions WHERE id = @Id RETURNING {Columns}";

    public static Task<StaffMember> RecordSignInAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string? rehash, DateTimeOffset now, CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(SignedInSql, new { Id = id, Rehash = rehash, Now = now }, tx, cancellationToken: ct));

    public static Task<StaffMember> RecordFailureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, int limit, DateTimeOffset lockedUntil,
        CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(FailedSql, new { Id = id, Limit = limit, LockedUntil = lockedUntil }, tx, cancellationToken: ct));

    public static Task<StaffMember> DisableAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, DateTimeOffset now, CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(DisableSql, new { Id = id, Now = now, Stamp = Guid.NewGuid() }, tx, cancellationToken: ct));

    public static Task<StaffMember> EnableAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(EnableSql, new { Id = id }, tx, cancellationToken: ct));

    public static Task<StaffMember> SetPasswordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string passwordHash, CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(SetPasswordSql, new { Id = id, PasswordHash = passwordHash, Stamp = Guid.NewGuid() },
            tx, cancellationToken: ct));

    public static Task<StaffMember> SetRolesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, IReadOnlyList<string> roles,
        IReadOnlyList<string> regions, CancellationToken ct) =>
        conn.QuerySingleAsync<StaffMember>(new CommandDefinition(SetRolesSql, new { Id = id, Roles = roles.ToArray(), Regions = regions.ToArray() },
            tx, cancellationToken: ct));
}

/// <summary>A person to add, as checked by <see cref="ManageStaff"/>.</summary>
public sealed record NewStaffMember(string Name, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Regions);
