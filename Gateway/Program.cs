using Gateway.Admin;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Providers.Simulator;
using Microsoft.AspNetCore.Http.Json;
using System.Text.Json.Serialization;

var builder = WebApplication.CreateBuilder(args);

var localMode = await builder.UseLocalPostgresWhenNoDatabaseUrlAsync();
builder.AddGatewayCore();
builder.Services.AddValidatedOptions<ApiTokenOptions, ApiTokenOptionsValidator>();
builder.Services.AddAdminAuth();
builder.Services.AddGatewayHealth();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

var workerInProcess = builder.Configuration["WORKER_IN_PROCESS"]?.ToLowerInvariant() switch
{
    "true" => true,
    "false" => false,
    _ => localMode,
};
if (workerInProcess) builder.Services.AddGatewayWorker();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodeProblems();
app.UseRequestSizeGuard();
app.UseAuthentication();
app.UseAuthorization();

app.MapGatewayHealth();
if (app.Configuration["SMS_PROVIDER"] is null or "" or DeliveryOptions.Simulator) app.MapSimulator();

app.Run();

public partial class Program;
