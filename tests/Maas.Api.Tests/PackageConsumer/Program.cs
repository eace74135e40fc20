var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMaas(builder.Configuration.GetSection("Maas"), o =>
{
    o.Issuer = "https://maas.example.com";
    o.Audience = "my-gateway-sa";
    o.Models.Add(new() { Id = "echo", Url = new("/llm/echo", UriKind.Relative), Upstream = new(builder.Configuration["ModelUpstream"]!) });
}).UseInMemoryStorage().AddMaasGateway();

var app = builder.Build();
app.MapMaasApi();
app.MapMaasGateway();
app.Run();
