using System.Net;

namespace Maas.ModelSimulator.Tests;

/// <summary><c>GET /v1/models/{id}</c> and the model cards' <c>owned_by</c> and <c>created</c>.</summary>
public sealed class ModelRetrieveTests
{
    [Fact]
    public async Task A_served_model_is_retrieved_by_its_id_escaped_or_not_and_matches_its_listed_card()
    {
        await using var server = await SimulatorServer.StartAsync(prefix: "/internal/simulator");
        using var client = server.CreateClient();

        var listed = Answers.Parse(await client.GetStringAsync("/internal/simulator/v1/models")).GetProperty("data")[0];
        foreach (var path in new[] { "/internal/simulator/v1/models/facebook%2Fopt-125m", "/internal/simulator/v1/models/facebook/opt-125m" })
        {
            var card = Answers.Parse(await client.GetStringAsync(path));
            Assert.Equal("facebook/opt-125m", card.GetProperty("id").GetString());
            Assert.Equal("model", card.GetProperty("object").GetString());
            Assert.Equal(listed.GetProperty("created").GetInt64(), card.GetProperty("created").GetInt64());
            Assert.Equal("maas-simulator", card.GetProperty("owned_by").GetString());
        }
    }

    [Fact]
    public async Task An_unserved_model_is_404_in_OpenAIs_shape()
    {
        await using var server = await SimulatorServer.StartAsync();
        using var client = server.CreateClient();

        using var response = await client.GetAsync("/v1/models/no%2Fsuch");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await Answers.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("no/such", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_owner_and_creation_time_are_listed_and_retrieved()
    {
        await using var server = await SimulatorServer.StartAsync(o =>
        {
            o.OwnedBy = "llm";
            o.Created = 1735689600;
        });
        using var client = server.CreateClient();

        var listed = Answers.Parse(await client.GetStringAsync("/v1/models")).GetProperty("data")[0];
        var retrieved = Answers.Parse(await client.GetStringAsync("/v1/models/facebook%2Fopt-125m"));

        foreach (var card in new[] { listed, retrieved })
        {
            Assert.Equal("llm", card.GetProperty("owned_by").GetString());
            Assert.Equal(1735689600, card.GetProperty("created").GetInt64());
        }
    }
}
