using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Maas.ModelSimulator.Tests;

public sealed partial class StandaloneTests
{
    [Fact]
    public async Task Standalone_simulator_takes_its_address_and_settings_from_the_command_line()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Maas.ModelSimulator.dll"));
        foreach (var argument in new[] { "--urls", "http://127.0.0.1:0", "--Simulator:Mode=Echo", "--Simulator:Models:0=my/model", "--Simulator:DefaultMaxTokens=2" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var address = await ReadListeningAddressAsync(process).WaitAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = address };

            var models = Answers.Parse(await client.GetStringAsync("/v1/models"));
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"my/model","prompt":"Not really understood prompt","max_prompts":40}"""));
            using var original = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"facebook/opt-125m","prompt":"x"}"""));

            Assert.Equal(["my/model"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Not really", (await Answers.ReadJsonAsync(response)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            Assert.Equal(HttpStatusCode.NotFound, original.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_up()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SimulatorServer.StartAsync(o =>
        {
            o.Models = [];
            o.DefaultMaxTokens = 0;
            o.TimeToFirstToken = TimeSpan.FromSeconds(-1);
        }));

        Assert.Contains("Simulator:Models must name at least one model.", error.Failures);
        Assert.Contains("Simulator:DefaultMaxTokens must be at least 1.", error.Failures);
        Assert.Contains("Simulator:TimeToFirstToken must not be negative.", error.Failures);
    }

    private static async Task<Uri> ReadListeningAddressAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException("The simulator exited before listening: " + await process.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
