using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Maas.ModelSimulator.Tests;

public sealed class BadRequestTests
{
    [Theory]
    [InlineData("/v1/chat/completions", "{\"model\":", "not valid JSON")]
    [InlineData("/v1/chat/completions", "", "not valid JSON")]
    [InlineData("/v1/completions", "model=facebook/opt-125m&prompt=hi", "not valid JSON")]
    [InlineData("/v1/completions", "[1,2]", "not valid JSON")]
    [InlineData("/v1/completions", "null", "must be a JSON object")]
    [InlineData("/v1/chat/completions", "{\"prompt\":\"hi\"}", "model parameter")]
    [InlineData("/v1/chat/completions", "{\"model\":\"\",\"prompt\":\"hi\"}", "model parameter")]
    [InlineData("/v1/chat/completions", "{\"model\":\"facebook/opt-125m\",\"max_tokens\":\"many\"}", "$.max_tokens")]
    [InlineData("/v1/chat/completions", "{\"model\":\"facebook/opt-125m\",\"max_tokens\":0}", "max_tokens must be at least 1")]
    [InlineData("/v1/chat/completions", "{\"model\":\"facebook/opt-125m\",\"max_completion_tokens\":-4}", "max_completion_tokens must be at least 1")]
    [InlineData("/v1/chat/completions", "{\"model\":\"facebook/opt-125m\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", "$.messages[0].content")]
    [InlineData("/v1/completions", "{\"model\":\"facebook/opt-125m\",\"prompt\":[true]}", "$.prompt")]
    [InlineData("/v1/completions", "{\"model\":\"facebook/opt-125m\",\"stream\":\"yes\"}", "$.stream")]
    public async Task Bad_request_is_a_400_in_OpenAIs_error_shape(string path, string body, string message)
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Answers.ReadJsonAsync(response)).GetProperty("error");
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Unknown_model_is_a_404_in_OpenAIs_error_shape()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", SimulatorServer.Json("""{"model":"gpt-4o","messages":[]}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await Answers.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("The model `gpt-4o` does not exist.", error.GetProperty("message").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Oversize_body_is_a_413_in_OpenAIs_error_shape()
    {
        await using var server = await SimulatorServer.StartAsync(maxRequestBodySize: 1024);
        using var client = server.CreateClient();
        var body = $$"""{"model":"facebook/opt-125m","prompt":"{{new string('x', 4096)}}"}""";

        using var response = await client.PostAsync("/v1/completions", SimulatorServer.Json(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("invalid_request_error", (await Answers.ReadJsonAsync(response)).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Client_that_goes_away_mid_stream_ends_the_handler_quietly()
    {
        var clock = new TimerWatchingClock();
        await using var server = await SimulatorServer.StartAsync(
            o =>
            {
                o.Mode = SimulatorMode.Echo;
                o.InterTokenLatency = TimeSpan.FromSeconds(1);
            },
            clock);
        var body = """{"model":"facebook/opt-125m","prompt":"one two three four","stream":true}"""u8.ToArray();
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n"));
            await stream.WriteAsync(body);
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (!received.ToString().Contains("\"text\":\"one\"", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                Assert.NotEqual(0, read);
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            // The simulator now waits for the second token; the client hangs up.
            Assert.Equal(TimeSpan.FromSeconds(1), await clock.NextDelayAsync());
        }

        await server.Logs.WaitForAsync(typeof(SimulatorEndpoints).FullName!, 1).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }
}
