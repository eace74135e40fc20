using System.Net;
using System.Text.Json;

namespace Maas.ModelSimulator.Tests;

/// <summary><c>POST /v1/embeddings</c>: deterministic unit vectors in OpenAI's shape, its input forms, its bounds.</summary>
public sealed class EmbeddingTests
{
    private static async Task<JsonElement> EmbedAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/v1/embeddings", SimulatorServer.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Answers.Parse(text);
    }

    private static float[] Floats(JsonElement item) => [.. item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];

    [Fact]
    public async Task The_same_text_gives_the_same_unit_vector_in_every_server_and_other_text_another()
    {
        await using var one = await SimulatorServer.StartAsync();
        await using var two = await SimulatorServer.StartAsync();
        using var first = one.CreateClient();
        using var second = two.CreateClient();

        var answer = await EmbedAsync(first, """{"model":"facebook/opt-125m","input":["Hello, world!","other text","Hello, world!"]}""");
        var again = await EmbedAsync(second, """{"model":"facebook/opt-125m","input":"Hello, world!"}""");

        Assert.Equal("list", answer.GetProperty("object").GetString());
        Assert.Equal("facebook/opt-125m", answer.GetProperty("model").GetString());
        var data = answer.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], data.Select(d => d.GetProperty("index").GetInt32()));
        Assert.All(data, d => Assert.Equal("embedding", d.GetProperty("object").GetString()));
        var vectors = data.Select(Floats).ToArray();
        Assert.All(vectors, v => Assert.Equal(EmbeddingJson.DefaultDimensions, v.Length));
        Assert.All(vectors, v => Assert.InRange(Math.Sqrt(v.Sum(x => (double)x * x)), 0.999, 1.001));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.Equal(vectors[0], Floats(again.GetProperty("data")[0]));
    }

    [Fact]
    public async Task Usage_counts_the_inputs_tokens_as_prompt_and_total_as_OpenAI_does()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        var texts = await EmbedAsync(client, """{"model":"facebook/opt-125m","input":["Hello, world!","two words"]}""");
        var tokens = await EmbedAsync(client, """{"model":"facebook/opt-125m","input":[[1,2,3],[4,5]]}""");
        var single = await EmbedAsync(client, """{"model":"facebook/opt-125m","input":[7,8,9,10]}""");

        foreach (var (answer, expected) in new[] { (texts, 6), (tokens, 5), (single, 4) })
        {
            var usage = answer.GetProperty("usage");
            Assert.Equal(expected, usage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(expected, usage.GetProperty("total_tokens").GetInt32());
            Assert.False(usage.TryGetProperty("completion_tokens", out _));
        }

        Assert.Equal(2, tokens.GetProperty("data").GetArrayLength());
        Assert.Equal(1, single.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Base64_is_the_same_vector_as_little_endian_float32s_and_dimensions_sets_its_length()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        var floats = await EmbedAsync(client, """{"model":"facebook/opt-125m","input":"same","dimensions":8,"encoding_format":"float"}""");
        var base64 = await EmbedAsync(client, """{"model":"facebook/opt-125m","input":"same","dimensions":8,"encoding_format":"base64"}""");

        var bytes = Convert.FromBase64String(base64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
        Assert.Equal(8, decoded.Length);
        Assert.Equal(Floats(floats.GetProperty("data")[0]), decoded);
    }

    [Theory]
    [InlineData("""{"model":"facebook/opt-125m"}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":""}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[[]]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":["ok",""]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":["ok",3]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[1,-2]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[1,2.5]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[1,"two"]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":[[1,4294967296]]}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":{"text":"x"}}""", "input")]
    [InlineData("""{"model":"facebook/opt-125m","input":"x","dimensions":0}""", "dimensions")]
    [InlineData("""{"model":"facebook/opt-125m","input":"x","dimensions":1025}""", "dimensions")]
    [InlineData("""{"model":"facebook/opt-125m","input":"x","encoding_format":"hex"}""", "encoding_format")]
    [InlineData("""{"input":"x"}""", "model")]
    public async Task Bad_input_is_400_naming_the_member(string body, string param)
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.PostAsync("/v1/embeddings", SimulatorServer.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Answers.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task More_inputs_than_OpenAI_allows_is_400_and_the_bound_itself_is_served()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();
        static string Body(int count) => $$"""{"model":"facebook/opt-125m","dimensions":1,"input":[{{string.Join(',', Enumerable.Repeat("\"w\"", count))}}]}""";

        using var over = await client.PostAsync("/v1/embeddings", SimulatorServer.Json(Body(EmbeddingInputs.MaxInputs + 1)));
        var atBound = await EmbedAsync(client, Body(EmbeddingInputs.MaxInputs));

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal(EmbeddingInputs.MaxInputs, atBound.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_model_is_404_and_bad_JSON_400()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var unknown = await client.PostAsync("/v1/embeddings", SimulatorServer.Json("""{"model":"no/such","input":"x"}"""));
        using var broken = await client.PostAsync("/v1/embeddings", SimulatorServer.Json("""{"model":"""));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await Answers.ReadJsonAsync(unknown)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
    }
}
