using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Maas.Api.Tests.SelfService;
using Microsoft.Playwright;

namespace Maas.Api.Tests;

/// <summary>
/// The packages as published work in a fresh app: they are packed to a local feed, and the app in
/// README (PackageConsumer/Program.cs, no project reference) restores from that feed plus the
/// normal NuGet source, builds, runs on Kestrel, issues a token and a key, and calls a model through
/// the gateway with that key; a second fresh app serves the self-service page behind its own cookie
/// sign-in. The packages are packed once for the class and both apps are built from them in one build
/// (<see cref="PackedPackages"/>), and the tests that pack run one after the other (one class).
/// </summary>
public sealed partial class PackageConsumerTests(PackedPackages packages, ChromiumBrowser chromium) : IClassFixture<PackedPackages>, IClassFixture<ChromiumBrowser>
{
    /// <summary>Every package `dotnet pack` gives (DocumentedOperatorTests checks it against the solution and the README).</summary>
    internal static readonly string[] PackedProjects = ["Maas.Core", "Maas.Storage", "Maas.Storage.Sqlite", "Maas.Storage.PostgreSql", "Maas.Storage.SpecificationTests", "Maas.Hosting.AspNetCore", "Maas.Gateway", "Maas.Kubernetes", "Maas.Kubernetes.AspNetCore", "Maas.SelfService"];

    // The SourceLink custom debug information of a portable PDB (its JSON maps local paths to URLs).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public async Task A_fresh_app_built_from_the_local_packages_issues_a_token_and_a_key_and_calls_a_model_with_it()
    {
        var feed = packages.Feed;
        var version = packages.Version;
        foreach (var package in PackedProjects)
        {
            var nupkg = Path.Combine(feed, $"{package}.{version}.nupkg");
            Assert.True(File.Exists(Path.Combine(feed, $"{package}.{version}.snupkg")), package + ": no symbol package");
            using var zip = ZipFile.OpenRead(nupkg);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{package}.xml");
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var manifest = await nuspec.ReadToEndAsync();
            Assert.Contains("<license type=\"expression\">Apache-2.0</license>", manifest, StringComparison.Ordinal);
            Assert.Contains("<repository type=\"git\" url=\"https://github.com/maas-dotnet/maas\"", manifest, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", manifest, StringComparison.Ordinal);
            var commit = RepositoryCommit().Match(manifest);
            Assert.True(commit.Success, package + ": the nuspec names no commit");
            Assert.Equal($"https://raw.githubusercontent.com/maas-dotnet/maas/{commit.Groups[1].Value}/*", await SourceLinkTargetAsync(Path.Combine(feed, $"{package}.{version}.snupkg"), package));
        }

        var source = Path.Combine(AppContext.BaseDirectory, "PackageConsumer");
        var program = await File.ReadAllTextAsync(Path.Combine(source, "Program.cs"));
        Assert.Contains(program.Trim(), (await File.ReadAllTextAsync(Path.Combine(HostPaths.RepositoryRoot, "README.md"))).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        var built = (await packages.AppsAsync()).Gateway;

        // The model behind the gateway: a tiny OpenAI-style upstream that answers with usage and
        // remembers the headers the gateway forwarded.
        await using var model = await EchoModel.StartAsync();
        var port = FreePort.OnLoopback();
        await using var app = ConsumerApp.Start(built, port, $"--ModelUpstream={model.BaseAddress}");
        using var alice = new HttpClient { BaseAddress = app.BaseAddress };
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        await app.WaitUntilAnsweringAsync(alice, "/health");
        using var token = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
        Assert.True(token.StatusCode == HttpStatusCode.Created, await token.Content.ReadAsStringAsync() + app.Output);
        Assert.StartsWith("ey", JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString(), StringComparison.Ordinal);
        using var key = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"first"}"""));
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        var apiKey = JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        Assert.StartsWith("sk-maas-", apiKey, StringComparison.Ordinal);

        // The gateway package: the key calls the model through the app, which forwards the
        // call without the credential and with the user.
        using var withKey = new HttpClient { BaseAddress = alice.BaseAddress };
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var completion = await withKey.PostAsync("/llm/echo/v1/chat/completions", MaasApiServer.Json("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.True(completion.StatusCode == HttpStatusCode.OK, await completion.Content.ReadAsStringAsync() + app.Output);
        Assert.Equal("echoed", JsonDocument.Parse(await completion.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var forwarded = Assert.Single(model.Calls);
        Assert.Equal("/v1/chat/completions", forwarded.Path);
        Assert.Equal("alice", forwarded.User);
        Assert.Null(forwarded.Authorization);
        using var usage = await withKey.GetAsync("/v1/usage");
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await usage.Content.ReadAsStringAsync()).RootElement.GetProperty("requests").GetProperty("used").GetInt32());
    }

    [Fact]
    public async Task A_fresh_app_built_from_the_local_packages_serves_the_self_service_page_behind_its_own_cookie_sign_in()
    {
        var built = (await packages.AppsAsync()).SelfService;
        await using var app = ConsumerApp.Start(built, FreePort.OnLoopback());
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        await app.WaitUntilAnsweringAsync(anonymous, "/signin");

        // Nobody signed in: the page sends the browser to the app's sign-in, and a form post changes nothing.
        using (var visit = await anonymous.GetAsync("/keys"))
        {
            Assert.True(visit.StatusCode == HttpStatusCode.Redirect, $"{(int)visit.StatusCode}: {app.Output}");
            Assert.Equal("/signin?ReturnUrl=%2Fkeys", visit.Headers.Location?.PathAndQuery);
        }

        using (var forged = await anonymous.PostAsync("/keys?handler=Create", SelfServicePageTests.Form(("Create.Name", "forged"))))
        {
            Assert.NotEqual(HttpStatusCode.OK, forged.StatusCode);
        }

        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = SelfServicePageTests.Viewport });
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        Assert.EndsWith("/signin?ReturnUrl=%2Fkeys", page.Url, StringComparison.Ordinal);

        // Signed in with the app's cookie: the page lists, creates (shown once) and lists again.
        await page.GetByLabel("Your name").FillAsync("carol");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Your API keys");
        Assert.EndsWith("/keys", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator(".identity")).ToContainTextAsync("Signed in as carol");
        Assert.Contains("You have no API keys yet.", await page.Locator("main").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#admin-heading").CountAsync());
        await page.GetByLabel("Name").FillAsync("from a cookie");
        var created = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(200, created.Status);
        Assert.StartsWith("default-src 'none'", (await created.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        await page.GotoAsync("/keys");
        Assert.Contains("active", await page.Locator("#keys tbody tr", new() { HasText = "from a cookie" }).TextContentAsync(), StringComparison.Ordinal);
        await SelfServicePageTests.AssertAccessibleAsync(page, "list behind a cookie");

        // The administrators' screens answer her 403, and the key she made works on the API.
        var form = context.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync());
        form.Set("Search.Username", "carol");
        var search = await page.APIRequest.PostAsync("/keys/search", new() { Form = form });
        Assert.Equal(403, search.Status);
        Assert.Contains("Administrators only", await search.TextAsync(), StringComparison.Ordinal);
        using var withKey = new HttpClient { BaseAddress = app.BaseAddress };
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        watch.AssertClean();
        Assert.DoesNotContain(watch.Urls, url => url.Contains(key[8..], StringComparison.Ordinal));
    }

    /// <summary>
    /// The shipped API is the package of the last release (see README, "Packages"): the SDK's package
    /// validation compares the new package with it and fails the pack when a public type or member
    /// the release had is gone. Shown on a real package: against itself the pack passes; against a
    /// release that had one more public type, the pack fails naming it.
    /// </summary>
    [Fact]
    public async Task Packing_fails_when_a_public_type_of_the_shipped_package_is_gone()
    {
        const string Package = "Maas.Storage.Sqlite";
        using var work = new TemporaryDirectory();
        var project = Path.Combine("src", Package, Package + ".csproj");

        // The release: this build as the class fixture packed it (under its test version, below 0.1.1).
        var baseline = Path.Combine(packages.Feed, $"{Package}.{packages.Version}.nupkg");

        await DotnetCommand.RunAsync(HostPaths.RepositoryRoot, "pack", project, "-c", Configuration, "--no-build", "-o", work.Combine("next"), "-p:PackageVersion=0.1.1", "-p:PackageValidationBaselinePath=" + baseline);

        // The release as if it had shipped a public type that this build no longer has.
        var withRemovedType = work.Combine(Package + ".0.1.0-with-removed-type.nupkg");
        File.Copy(baseline, withRemovedType);
        using (var zip = ZipFile.Open(withRemovedType, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry($"lib/net10.0/{Package}.dll")!;
            var version = AssemblyName.GetAssemblyName(Path.Combine(HostPaths.RepositoryRoot, "src", Package, "bin", Configuration, "net10.0", Package + ".dll")).Version;
            entry.Delete();
            await using var dll = zip.CreateEntry($"lib/net10.0/{Package}.dll").Open();
            AssemblyWithOneType(Package, version, Package + ".RemovedSinceRelease").Save(dll);
        }

        var (exitCode, output) = await DotnetCommand.TryRunAsync(HostPaths.RepositoryRoot, "pack", project, "-c", Configuration, "--no-build", "-o", work.Combine("broken"), "-p:PackageVersion=0.1.1", "-p:PackageValidationBaselinePath=" + withRemovedType);
        Assert.True(exitCode != 0, output);
        Assert.Matches($"CP0001.*{Package}.RemovedSinceRelease", output);
    }

    private static PersistedAssemblyBuilder AssemblyWithOneType(string name, Version? version, string type)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName(name) { Version = version }, typeof(object).Assembly);
        assembly.DefineDynamicModule(name).DefineType(type, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed).CreateType();
        return assembly;
    }

    /// <summary>The target of the SourceLink map in the package's symbols (one root, the repository at its commit).</summary>
    private static async Task<string> SourceLinkTargetAsync(string snupkg, string package)
    {
        using var zip = ZipFile.OpenRead(snupkg);
        using var pdb = new MemoryStream();
        await using (var entry = zip.Entries.Single(e => e.FullName == $"lib/net10.0/{package}.pdb").Open())
        {
            await entry.CopyToAsync(pdb);
        }

        pdb.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        var reader = provider.GetMetadataReader();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Single(info => reader.GetGuid(info.Kind) == SourceLinkKind);
        using var map = JsonDocument.Parse(reader.GetBlobBytes(sourceLink.Value));
        return Assert.Single(map.RootElement.GetProperty("documents").EnumerateObject()).Value.GetString()!;
    }

    [GeneratedRegex("""<repository type="git" url="https://github.com/maas-dotnet/maas"[^>]* commit="([0-9a-f]{40})" />""")]
    private static partial Regex RepositoryCommit();

    internal static string Configuration => RepositoryCheckout.Configuration;

    /// <summary>An OpenAI-style model on Kestrel (127.0.0.1, free port) that remembers what the gateway forwarded.</summary>
    private sealed class EchoModel : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private EchoModel(WebApplication app, ConcurrentQueue<(string Path, string? User, string? Authorization)> calls)
        {
            _app = app;
            Calls = calls;
            BaseAddress = app.GetBaseAddress();
        }

        public Uri BaseAddress { get; }

        public ConcurrentQueue<(string Path, string? User, string? Authorization)> Calls { get; }

        public static async Task<EchoModel> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var calls = new ConcurrentQueue<(string Path, string? User, string? Authorization)>();
            app.MapPost("/v1/chat/completions", (HttpRequest request) =>
            {
                calls.Enqueue((request.Path, request.Headers["X-MaaS-User"].FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
                return Results.Json(new
                {
                    id = "chatcmpl-1",
                    @object = "chat.completion",
                    model = "echo",
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = "echoed" }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 2, completion_tokens = 1, total_tokens = 3 },
                });
            });
            await app.StartAsync();
            return new EchoModel(app, calls);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
