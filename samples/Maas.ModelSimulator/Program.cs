using Maas.ModelSimulator;

// The model simulator on its own: dotnet run --project samples/Maas.ModelSimulator -- --urls http://127.0.0.1:8000
// Settings come from the "Simulator" section (command line, environment variables), for example
// --Simulator:Mode=Echo --Simulator:TimeToFirstToken=00:00:00.200 --Simulator:Models:0=my/model.
var builder = WebApplication.CreateBuilder(args);

// One log line per request would be most of the work of a zero-latency upstream under load.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
{
    // The original's simulator listens on port 8000.
    builder.WebHost.UseUrls("http://127.0.0.1:8000");
}

builder.Services.AddModelSimulator(builder.Configuration.GetSection("Simulator"));

var app = builder.Build();
app.MapModelSimulator();
await app.RunAsync();
