using Microsoft.Extensions.Options;

namespace Gateway.Delivery;

public static class DeliveryServices
{
    /// <summary>
    /// The outbound pipeline. Each provider (an <see cref="ISmsProvider"/> keyed by its name, registered in
    /// GatewayServices) gets its own <see cref="Dispatcher"/> and <see cref="ReconcileDeliveries"/>, keyed by the same
    /// name; the unkeyed ones are the default route's ('*' in SMS_ROUTES, else SMS_PROVIDER).
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddSingleton<Outbox>();
        services.AddSingleton<ListMessagesTo>();
        services.AddSingleton<SenderBudget>();
        services.AddSingleton<RecordDeliveryReport>();
        services.AddSingleton<OutboundRoutes>();
        services.AddSingleton<Data.IStartupSchemaStep>(sp => sp.GetRequiredService<OutboundRoutes>());
        foreach (var name in SmsRoutes.KnownProviders)
        {
            services.AddKeyedSingleton(name, (sp, key) =>
                ActivatorUtilities.CreateInstance<Dispatcher>(sp, sp.GetRequiredKeyedService<ISmsProvider>(key)));
            services.AddKeyedSingleton(name, (sp, key) =>
                ActivatorUtilities.CreateInstance<ReconcileDeliveries>(sp, sp.GetRequiredKeyedService<ISmsProvider>(key)));
        }
        services.AddSingleton(sp => sp.GetRequiredKeyedService<Dispatcher>(DefaultProvider(sp)));
        services.AddSingleton(sp => sp.GetRequiredKeyedService<ReconcileDeliveries>(DefaultProvider(sp)));
        return services;
    }

    private static string DefaultProvider(IServiceProvider sp) => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.SmsRoutes.DefaultProvider;
}
