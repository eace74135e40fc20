using System.Text;
using System.Text.Json;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Steps;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests.Steps;

/// <summary>
/// Calls for the step tests: a <see cref="GatewayCallContext"/> over an in-memory HTTP exchange on a
/// <see cref="GatewayServer"/>'s services, and the gateway's own steps run in order up to a handler
/// that records whether the last one went on.
/// </summary>
internal static class StepCalls
{
    public const string ChatPath = "/v1/chat/completions";

    public static GatewayCallContext New(GatewayServer gateway, string? credential, string? json, GatewayModel? pathModel = null)
    {
        var http = new DefaultHttpContext { RequestServices = gateway.Services };
        var request = http.Request;
        request.Method = HttpMethods.Post;
        request.Path = ChatPath;
        if (credential is not null)
        {
            request.Headers.Authorization = "Bearer " + credential;
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            request.ContentType = "application/json";
            request.ContentLength = bytes.Length;
            request.Body = new MemoryStream(bytes, writable: false);
        }

        http.Response.Body = new MemoryStream();
        return new GatewayCallContext(http, null, gateway.Services.GetRequiredService<GatewayMetrics>(), pathModel, ChatPath, hasBody: json is not null);
    }

    public static TStep Step<TStep>(GatewayServer gateway)
        where TStep : notnull => gateway.Services.GetRequiredService<TStep>();

    /// <summary>Runs <paramref name="steps"/> in order; <see langword="true"/> when the last one went on.</summary>
    public static async Task<bool> RunAsync(GatewayCallContext call, params IGatewayStep[] steps)
    {
        var proceeded = false;
        GatewayCallHandler next = _ =>
        {
            proceeded = true;
            return ValueTask.CompletedTask;
        };
        for (var i = steps.Length - 1; i >= 0; i--)
        {
            var step = steps[i];
            var after = next;
            next = c => step.InvokeAsync(c, after);
        }

        await next(call);
        return proceeded;
    }

    /// <summary>The gateway's steps before the limits, for a call by <paramref name="credential"/> with <paramref name="json"/>.</summary>
    public static IGatewayStep[] Checks(GatewayServer gateway) =>
    [
        Step<AuthenticationStep>(gateway),
        Step<BodyReadingStep>(gateway),
        Step<ModelResolutionStep>(gateway),
        Step<RequestCheckStep>(gateway),
    ];

    /// <summary>The call's answer as written, asserted to be an OpenAI error of <paramref name="status"/> and <paramref name="code"/>.</summary>
    public static JsonElement AssertOpenAiError(GatewayCallContext call, int status, string code)
    {
        var response = call.HttpContext.Response;
        Assert.Equal(status, response.StatusCode);
        var body = ((MemoryStream)response.Body).ToArray();
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        return error.Clone();
    }
}
