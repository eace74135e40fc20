using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Maas.ModelSimulator.Tests;

/// <summary>The official OpenAI .NET client against the simulator: what users of the gateway will point at it.</summary>
public sealed class OpenAIClientTests
{
    [Fact]
    public async Task OpenAI_client_lists_the_models_and_completes_a_chat()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        var openAI = new OpenAIClient(new ApiKeyCredential("sk-simulated"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

        OpenAIModelCollection models = await openAI.GetOpenAIModelClient().GetModelsAsync();
        ChatCompletion completion = await openAI.GetChatClient("facebook/opt-125m").CompleteChatAsync(
            [new SystemChatMessage("You are a simulator."), new UserChatMessage("Repeat after me, please.")]);

        Assert.Equal("facebook/opt-125m", Assert.Single(models).Id);
        Assert.Equal("Repeat after me, please.", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(5 + 6, completion.Usage.InputTokenCount);
        Assert.Equal(6, completion.Usage.OutputTokenCount);
        Assert.Equal(17, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task OpenAI_client_completes_a_streamed_chat_with_its_usage()
    {
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo);
        var chat = new ChatClient("facebook/opt-125m", new ApiKeyCredential("sk-simulated"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

        var text = string.Empty;
        var updates = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Stream this back, word by word.")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }))
        {
            updates++;
            text += string.Concat(update.ContentUpdate.Select(part => part.Text));
            usage = update.Usage ?? usage;
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal("Stream this back, word", text);
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.True(updates > 5);
        Assert.NotNull(usage);
        Assert.Equal(5, usage.OutputTokenCount);
        Assert.Equal(8, usage.InputTokenCount);
    }

    [Fact]
    public async Task OpenAI_client_raises_its_error_for_an_unknown_model()
    {
        await using var server = await SimulatorServer.StartAsync();
        var chat = new ChatClient("gpt-4o", new ApiKeyCredential("sk-simulated"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}
