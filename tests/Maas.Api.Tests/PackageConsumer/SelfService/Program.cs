using System.Security.Claims;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMaas(builder.Configuration.GetSection("Maas"), o =>
{
    o.Issuer = "https://maas.example.com";
    o.Audience = "my-gateway-sa";
}).UseInMemoryStorage();
// The app's own sign-in: a cookie, set by its own form (a real app asks its identity provider, e.g. AddOpenIdConnect).
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(o => o.LoginPath = "/signin");
builder.Services.AddMaasSelfService();

var app = builder.Build();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapMaasApi();
app.MapMaasSelfService();
app.MapGet("/signin", () => Results.Content("""
    <!DOCTYPE html><html lang="en"><head><title>Sign in</title><link rel="icon" href="data:,"></head>
    <body><main><form method="post"><label>Your name <input name="name" required></label>
    <button type="submit">Sign in</button></form></main></body></html>
    """, "text/html"));
app.MapPost("/signin", async (HttpContext context) =>
{
    var form = await context.Request.ReadFormAsync();
    var identity = new ClaimsIdentity(
        [new(ClaimTypes.Name, form["name"].ToString()), new(MaasAuthenticationDefaults.GroupClaim, "system:authenticated")],
        CookieAuthenticationDefaults.AuthenticationScheme);
    await context.SignInAsync(new ClaimsPrincipal(identity));
    var returnUrl = context.Request.Query["ReturnUrl"].ToString();
    return Results.LocalRedirect(returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : "/keys");
});
app.Run();
