using System.Net;
using System.Text;
using Maas.Models;

namespace Maas.Gateway.Tests;

/// <summary>
/// A tier reaches exactly the models it may use: one it may use is forwarded, one beside it that it
/// may not is 403, whether the body names it or its URL does.
/// </summary>
public sealed class TierModelAccessTests
{
    private const string PremiumModelId = "test/premium-model";
    private const string PremiumModelPath = "/llm/premium-model";

    [Fact]
    public async Task A_tier_may_call_the_model_it_may_use_and_is_403_for_the_one_beside_it_it_may_not()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o =>
        {
            o.Models[0].Tiers.Add("free");
            o.Models.Add(new ModelDescriptor
            {
                Id = PremiumModelId,
                OwnedBy = "test",
                Url = new Uri("http://models.example" + PremiumModelPath),
                Upstream = upstream.BaseAddress,
                Tiers = { "premium" },
            });
        });
        using var client = gateway.Client(await gateway.TokenAsync());

        using (var allowed = await client.PostAsync("/v1/chat/completions", Chat(GatewayServer.ModelId)))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using (var byBody = await client.PostAsync("/v1/chat/completions", Chat(PremiumModelId)))
        {
            await BadInputTests.AssertOpenAiErrorAsync(byBody, 403, "model_not_allowed");
        }

        using (var byPath = await client.PostAsync($"{PremiumModelPath}/v1/chat/completions", Chat(PremiumModelId)))
        {
            await BadInputTests.AssertOpenAiErrorAsync(byPath, 403, "model_not_allowed");
        }

        var forwarded = Assert.Single(upstream.Requests);
        Assert.Contains(GatewayServer.ModelId, forwarded.Body, StringComparison.Ordinal);
    }

    private static StringContent Chat(string model) =>
        new($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
}
