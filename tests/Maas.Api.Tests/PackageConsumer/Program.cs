var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMaas(builder.Configuration.GetSection("Maas"), o =>
{
    o.Issuer = "https://maas.example.com";
    o.Audience = "my-gateway-sa";
}).UseInMemoryStorage();

var app = builder.Build();
app.MapMaasApi();
app.Run();
