namespace Gateway.Delivery;

public static class DeliveryServices
{
    /// <summary>The outbound pipeline; the ISmsProvider it sends through is chosen in GatewayServices.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddSingleton<Outbox>();
        services.AddSingleton<ListMessagesTo>();
        services.AddSingleton<SenderBudget>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<RecordDeliveryReport>();
        services.AddSingleton<ReconcileDeliveries>();
        return services;
    }
}
