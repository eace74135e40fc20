using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Maas.ModelSimulator.Tests;

public sealed class ChatCompletionTests
{
    [Fact]
    public async Task Random_chat_answer_has_OpenAIs_shape_and_usage_that_counts_its_text()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync(
            "/v1/chat/completions",
            SimulatorServer.Json("""{"model":"facebook/opt-125m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello, world!"}],"max_tokens":7}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = await Answers.ReadJsonAsync(response);
        Assert.StartsWith("chatcmpl-", answer.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        Assert.Equal("facebook/opt-125m", answer.GetProperty("model").GetString());
        var choice = Assert.Single(answer.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var content = choice.GetProperty("message").GetProperty("content").GetString()!;
        var (prompt, completion, total) = Answers.Usage(answer);
        Assert.Equal(3 + 4, prompt);
        Assert.Equal(7, completion);
        Assert.Equal(WordTokenizer.Count(content), completion);
        Assert.Equal(prompt + completion, total);
    }

    [Fact]
    public async Task Echo_chat_answer_is_the_last_user_message()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        using var response = await client.PostAsync(
            "/v1/chat/completions",
            SimulatorServer.Json("""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"first question"},{"role":"assistant","content":"an answer"},{"role":"user","content":[{"type":"text","text":"Second question,"},{"type":"image_url","image_url":{"url":"http://x"}},{"type":"text","text":"in parts?"}]}]}"""));

        var answer = await Answers.ReadJsonAsync(response);
        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("Second question,\nin parts?", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal((2 + 2 + 6, 6, 16), Answers.Usage(answer));
    }

    [Theory]
    [InlineData(""","max_tokens":3""", 3)]
    [InlineData(""","max_completion_tokens":2,"max_tokens":9""", 2)]
    [InlineData("", 5)]
    public async Task Answer_is_cut_at_the_token_limit_of_the_request_or_the_default(string limits, int expected)
    {
        await using var server = await SimulatorServer.StartAsync(o =>
        {
            o.Mode = SimulatorMode.Echo;
            o.DefaultMaxTokens = 5;
        });
        using var client = server.CreateClient();
        var body = """{"model":"facebook/opt-125m","messages":[{"role":"user","content":"one, two, three, four, five, six"}]""" + limits + "}";

        using var response = await client.PostAsync("/v1/chat/completions", SimulatorServer.Json(body));

        var answer = await Answers.ReadJsonAsync(response);
        var content = answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal("one, two, three, four, five, six"[..content.Length], content);
        Assert.Equal(expected, WordTokenizer.Count(content));
        Assert.Equal(expected, Answers.Usage(answer).Completion);
        Assert.Equal("length", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(100)]
    [InlineData(1_000_000)]
    public async Task Random_answer_never_exceeds_max_tokens(int maxTokens)
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync(
            "/v1/chat/completions",
            SimulatorServer.Json($$"""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}],"max_tokens":{{maxTokens}}}"""));

        var answer = await Answers.ReadJsonAsync(response);
        var content = answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var completion = Answers.Usage(answer).Completion;
        Assert.InRange(completion, 1, maxTokens);
        Assert.Equal(Math.Min(maxTokens, CompletionPlan.MaxRandomTokens), completion);
        Assert.Equal(completion, WordTokenizer.Count(content));
    }

    [Fact]
    public async Task The_originals_request_is_answered_as_curl_sends_it()
    {
        // curl -d '{"model":"facebook/opt-125m","prompt":"Not really understood prompt","max_prompts":40}' .../v1/chat/completions
        // sends the body as application/x-www-form-urlencoded, to a chat endpoint, with prompt instead of messages.
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"model":"facebook/opt-125m","prompt":"Not really understood prompt","max_prompts":40}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using var response = await client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Answers.ReadJsonAsync(response);
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        Assert.Equal((4, 16, 20), Answers.Usage(answer));
    }

    [Fact]
    public async Task The_originals_request_is_echoed_in_echo_mode()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"model":"facebook/opt-125m","prompt":"Not really understood prompt","max_prompts":40}"""));

        using var response = await client.PostAsync("/v1/chat/completions", content);

        var answer = await Answers.ReadJsonAsync(response);
        Assert.Equal("Not really understood prompt", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal((4, 4, 8), Answers.Usage(answer));
    }

    [Fact]
    public async Task Every_configured_model_is_served_and_listed()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Models = ["a/one", "b/two"]);
        using var client = server.CreateClient();

        var models = Answers.Parse(await client.GetStringAsync("/v1/models"));
        using var response = await client.PostAsync("/v1/completions", SimulatorServer.Json("""{"model":"b/two","prompt":"x"}"""));

        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal(["a/one", "b/two"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.All(models.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/two", (await Answers.ReadJsonAsync(response)).GetProperty("model").GetString());
    }

    [Fact]
    public async Task Endpoints_are_mapped_under_the_prefix()
    {
        await using var server = await SimulatorServer.StartAsync(prefix: "/llm/facebook-opt-125m-simulated");
        using var client = server.CreateClient();

        using var health = await client.GetAsync("/llm/facebook-opt-125m-simulated/health");
        using var models = await client.GetAsync("/llm/facebook-opt-125m-simulated/v1/models");
        using var chat = await client.PostAsync("/llm/facebook-opt-125m-simulated/v1/chat/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m","prompt":"hi"}"""));
        using var root = await client.PostAsync("/v1/chat/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m","prompt":"hi"}"""));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
    }
}
