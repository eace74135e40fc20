using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace Maas.Api.Tests;

/// <summary>The official OpenAI .NET client, pointed at a model's URL with a Maas API key, against the sample host.</summary>
public sealed class OpenAiClientTests
{
    [Fact]
    public async Task The_OpenAI_client_lists_models_chats_plain_and_streaming_and_raises_its_429_on_the_limit()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var gateway = server.CreateClient("sdkuser", "system:authenticated");
        using var created = await gateway.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"sdk"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var (modelUrl, modelName) = await DataPlaneFlowTests.FirstModelAsync(server, key);

        // No retries: the client would otherwise wait out Retry-After (two minutes on the free tier).
        var openAi = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(modelUrl + "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

        var models = await openAi.GetOpenAIModelClient().GetModelsAsync();
        Assert.Contains(models.Value, m => m.Id == modelName);

        var chat = openAi.GetChatClient(modelName);
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Say something")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.NotNull(completion.Usage);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 5);

        var streamed = new StringBuilder();
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Stream something")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.True(updates > 1, $"{updates} updates");
        Assert.False(string.IsNullOrWhiteSpace(streamed.ToString()));

        // The free tier allows 5 requests per window: the listing and two chats used 3.
        await chat.CompleteChatAsync([new UserChatMessage("four")]);
        await chat.CompleteChatAsync([new UserChatMessage("five")]);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("six")]));
        Assert.Equal(429, refused.Status);
        Assert.Contains("limit", refused.Message, StringComparison.OrdinalIgnoreCase);
    }
}
