namespace Gateway.Staff;

public static class StaffServices
{
    /// <summary>Staff accounts, passwords, sign-in and their management (the cookie scheme is added with the admin auth).</summary>
    public static IServiceCollection AddStaff(this IServiceCollection services)
    {
        services.AddSingleton<StaffAccounts>();
        services.AddSingleton<StaffPasswords>();
        services.AddSingleton<SignInStaff>();
        services.AddSingleton<ManageStaff>();
        return services;
    }
}
