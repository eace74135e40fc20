using System.Net;

namespace Maas.ModelSimulator.Tests;

public sealed class TextCompletionTests
{
    [Theory]
    [InlineData("\"Tell me, briefly.\"", "Tell me, briefly.", 5)]
    [InlineData("[\"first line\",\"second\"]", "first line\nsecond", 3)]
    [InlineData("[101, 202, 303]", "101 202 303", 3)]
    [InlineData("[[1, 2], [3]]", "1 2 3", 3)]
    public async Task Echo_completion_returns_the_prompt_in_any_of_its_shapes(string prompt, string text, int tokens)
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        using var response = await client.PostAsync("/v1/completions", SimulatorServer.Json($$"""{"model":"facebook/opt-125m","prompt":{{prompt}},"max_tokens":50}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Answers.ReadJsonAsync(response);
        Assert.StartsWith("cmpl-", answer.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("text_completion", answer.GetProperty("object").GetString());
        var choice = Assert.Single(answer.GetProperty("choices").EnumerateArray());
        Assert.Equal(text, choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal((tokens, tokens, 2 * tokens), Answers.Usage(answer));
    }

    [Fact]
    public async Task Random_completion_counts_its_words()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync("/v1/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m","prompt":"Once upon a time","max_tokens":12}"""));

        var answer = await Answers.ReadJsonAsync(response);
        var text = answer.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.Equal(12, WordTokenizer.Count(text));
        Assert.Equal((4, 12, 16), Answers.Usage(answer));
    }

    [Fact]
    public async Task Empty_echo_is_an_empty_answer_that_stops()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        using var client = server.CreateClient();

        using var response = await client.PostAsync("/v1/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m"}"""));

        var answer = await Answers.ReadJsonAsync(response);
        Assert.Equal(string.Empty, answer.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal("stop", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal((0, 0, 0), Answers.Usage(answer));
    }
}
