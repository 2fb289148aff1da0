using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Admin;
using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Gateway.Subscriptions;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Simulator;

/// <summary>
/// The phone simulator: type as a resident, read what the gateway "sent". Mapped only when SMS_PROVIDER=simulator,
/// in local mode (open to anyone who can reach the port) or with SIMULATOR_ENABLED=true (a token of any role or a
/// staff sign-in: it reads and writes any number's conversation).
/// </summary>
public static class SimulatorEndpoints
{
    /// <summary>Twilio reassembles inbound SMS up to 1,600 characters; the simulator accepts the same.</summary>
    public const int MaxBodyLength = 1600;

    public static void MapSimulator(this WebApplication app)
    {
        if (RoutesFor(app) is not { } simulator) return;

        var api = simulator.MapGroup("/api/simulator");
        api.MapGet("/messages", ListMessages).ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/conversation", ShowConversation).ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/inbound", ReceiveInbound).WithRequestSizeLimit(16 * 1024).KeepsResidentsText()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        simulator.MapGet("/simulator", Page).Produces(StatusCodes.Status200OK, contentType: "text/html");

        if (SimulatorOptions.Access(app.Services).Open)
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SimulatorEndpoints)).LogWarning(
                "Local mode: the simulator (/simulator, /simulator/ussd, /api/simulator/*) is open to anyone who can reach this port; " +
                "outside local mode it needs SIMULATOR_ENABLED=true and a token of any role or a staff sign-in");
    }

    /// <summary>The phone simulator's page, shipped in the assembly.</summary>
    internal static FileStreamHttpResult Page() => TypedResults.Stream(
        typeof(SimulatorEndpoints).Assembly.GetManifestResourceStream("Gateway.Providers.Simulator.simulator.html")!,
        "text/html; charset=utf-8");

    /// <summary>The group the simulator's routes go in, or null when they are not mapped at all.</summary>
    internal static RouteGroupBuilder? RoutesFor(WebApplication app)
    {
        var (mapped, open) = SimulatorOptions.Access(app.Services);
        if (!mapped) return null;
        var group = app.MapGroup("");
        return open ? group : group.RequireAuthorization(AdminPolicies.View);
    }

    /// <param name="Id">Optional message id; sending the same id twice behaves like a provider retrying its webhook.</param>
    public sealed record InboundRequest(string? From, string? Body, string? Id);

    private static async Task<Results<Ok<SimulatedInboundResponse>, ProblemHttpResult>> ReceiveInbound(InboundRequest request, InboundPipeline pipeline, SimulatorSmsProvider simulator,
        IOptions<GatewayOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var from = Phone.Normalise(request.From, options.Value.DefaultRegion);
        var id = string.IsNullOrWhiteSpace(request.Id) ? "SIM" + Guid.NewGuid().ToString("N") : request.Id.Trim();
        var problems = new List<FieldProblem>();
        if (!from.IsValid)
            problems.Add(new("from", $"from: {from.Error}", StatusCodes.Status400BadRequest));
        if (request.Body is null)
            problems.Add(new("body", "body: required", StatusCodes.Status400BadRequest));
        else if (request.Body.Length > MaxBodyLength)
            problems.Add(new("body", $"body: {request.Body.Length} characters; an SMS can carry at most {MaxBodyLength}"));
        if (id.Length > 128)
            problems.Add(new("id", "id: at most 128 characters", StatusCodes.Status400BadRequest));
        if (problems.Count > 0) return FieldProblems.Answer(problems);
        id = InboundReader.Storable(id);
        var result = await pipeline.HandleAsync(new InboundMessage(SimulatorSmsProvider.ProviderName, id, from.E164!, null, request.Body!, clock.GetUtcNow()), ct);
        if (result.Reply is not null && !result.Duplicate)
            await simulator.RecordReplyAsync(from.E164!, result.Reply, ct);
        return TypedResults.Ok(new SimulatedInboundResponse(from.E164!, id, result.Reply, result.Duplicate));
    }

    private static readonly FieldProblem LimitProblem = new("limit", "limit: must be between 1 and 1000", StatusCodes.Status400BadRequest);

    /// <summary>The resident's view for the /simulator page: both sides of the conversation and the number's record.</summary>
    private static async Task<Results<Ok<ConversationResponse>, ProblemHttpResult>> ShowConversation(string? phone, int? limit, ReadConversation conversation, GetSubscriber subscriber,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var parsed = Phone.Normalise(phone, options.Value.DefaultRegion);
        var problems = new List<FieldProblem>();
        if (!parsed.IsValid)
            problems.Add(new("phone", $"phone: {parsed.Error}", StatusCodes.Status400BadRequest));
        if (limit is < 1 or > 1000)
            problems.Add(LimitProblem);
        if (problems.Count > 0) return FieldProblems.Answer(problems);

        var lines = await conversation.HandleAsync(parsed.E164!, limit ?? 200, ct);
        var profile = await subscriber.HandleAsync(parsed.E164!, ct);
        return TypedResults.Ok(new ConversationResponse(parsed.E164!,
            profile is null ? null : new ConversationSubscriberResponse(profile.Status, profile.Language, profile.Topics),
            lines.Select(l => new ConversationLineResponse(l.Direction, l.Body, l.At, l.Intent, l.Replied, l.Segments, l.Encoding,
                l.Media.Select(x => new ConversationMediaResponse(x.Url, x.ContentType)).ToList())).ToList()));
    }

    private static async Task<Results<Ok<List<SimulatedMessageResponse>>, ProblemHttpResult>> ListMessages(string? to, int? limit, SimulatorSmsProvider simulator,
        IOptions<GatewayOptions> options, CancellationToken ct)
    {
        string? phone = null;
        var problems = new List<FieldProblem>();
        if (to is not null)
        {
            var parsed = Phone.Normalise(to, options.Value.DefaultRegion);
            if (!parsed.IsValid)
                problems.Add(new("to", $"to: {parsed.Error}", StatusCodes.Status400BadRequest));
            phone = parsed.E164;
        }
        if (limit is < 1 or > 1000)
            problems.Add(LimitProblem);
        if (problems.Count > 0) return FieldProblems.Answer(problems);

        var messages = await simulator.ListAsync(phone, limit ?? 100, ct);
        return TypedResults.Ok(messages.Select(m => new SimulatedMessageResponse(m.To, m.Body, m.Segments, m.Encoding, m.SentAt)).ToList());
    }
}
