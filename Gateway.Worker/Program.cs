using Gateway.Hosting;

// The worker process: the same services as the web app, plus the Hangfire server and the dispatcher.
// Run any number of these against one database; they share work through it.
var builder = Host.CreateApplicationBuilder(args);
builder.AddGatewayCore();
builder.Services.AddGatewayWorker();
builder.Build().Run();
