using System.Buffers;
using System.Text;
using System.Text.Json;
using Maas.Gateway.Requests;

namespace Maas.Gateway.Tests.Requests;

/// <summary>
/// The body reader against thousands of hostile bodies: it never throws, and what it accepts is
/// what a lax upstream sees (System.Text.Json's document, members unescaped, the last of two
/// winning, as Python's json does): the same model, stream, usage option and token budget.
/// </summary>
public sealed class ModelRequestPropertyTests
{
    private const int Seed = 424_242;
    private const int Bodies = 20_000;
    private const string Credential = "sk-maas-A";

    [Fact]
    public void Every_body_is_read_without_throwing_and_what_is_accepted_is_what_a_lax_upstream_sees()
    {
        var random = new Random(Seed);
        var accepted = 0;
        for (var i = 0; i < Bodies; i++)
        {
            var body = HostileBodies.Next(random, "m");
            try
            {
                if (Check(body))
                {
                    accepted++;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Seed {Seed}, body {i}: {Encoding.UTF8.GetString(body)}: {ex.Message}", ex);
            }
        }

        // The generator reaches both sides: many bodies accepted, many refused.
        Assert.InRange(accepted, Bodies / 10, Bodies - (Bodies / 10));
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":null,"messages":[],"messages":[1]}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false,"x":1},"user":"a","user":"b"}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{},"n":1,"n":2}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"x":{"include_usage":false}}}""")]
    public void A_stream_is_rewritten_to_include_usage_whatever_else_the_body_repeats(string json)
    {
        Assert.True(Check(Encoding.UTF8.GetBytes(json)));
    }

    // Returns whether the reader accepted the body; asserts what it accepted.
    private static bool Check(byte[] body)
    {
        var read = ModelRequest.Read(body, out var error, out _);
        _ = CredentialInBody.Check(body, Credential);
        if (read is not { } request)
        {
            Assert.False(string.IsNullOrEmpty(error));
            return false;
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        var upstream = LaxView.Of(document.RootElement);
        Assert.Equal(upstream.Model, request.Model);
        Assert.Equal(upstream.Stream, request.Stream);
        Assert.Equal(upstream.IncludeUsage, request.IncludeUsage);
        Assert.Equal(upstream.MaxTokens, request.MaxTokens);
        Assert.True(request.MaxTokens is null or >= 0);

        // Where the document cannot decode a string (a lone surrogate) it is no oracle.
        var found = CredentialInBody.Check(body, Credential);
        switch (ContainsText(document.RootElement, Credential))
        {
            case true:
                Assert.Equal(CredentialInBody.FoundMessage, found);
                break;
            case false:
                Assert.Null(found);
                break;
        }

        if (request.Stream && !request.IncludeUsage)
        {
            var (buffer, length) = StreamUsageRequest.Rewrite(body, request.HasStreamOptions);
            try
            {
                var rewritten = buffer.AsSpan(0, length).ToArray();
                var again = ModelRequest.Read(rewritten, out var rewriteError, out _);
                Assert.True(again is not null, rewriteError);
                Assert.True(again.Value.IncludeUsage);
                Assert.Equal(request with { HasStreamOptions = true, IncludeUsage = true }, again.Value);
                using var seen = JsonDocument.Parse(rewritten);
                Assert.True(LaxView.Of(seen.RootElement).IncludeUsage);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return true;
    }

    // true or false; null when a string cannot be decoded (a lone surrogate), which the check must refuse.
    private static bool? ContainsText(JsonElement element, string text)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    return element.GetString()!.Contains(text, StringComparison.Ordinal);
                case JsonValueKind.Array:
                    bool? any = false;
                    foreach (var item in element.EnumerateArray())
                    {
                        any = Or(any, ContainsText(item, text));
                    }

                    return any;
                case JsonValueKind.Object:
                    bool? found = false;
                    foreach (var property in element.EnumerateObject())
                    {
                        found = Or(found, property.Name.Contains(text, StringComparison.Ordinal));
                        found = Or(found, ContainsText(property.Value, text));
                    }

                    return found;
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool? Or(bool? a, bool? b) => a == true || b == true ? true : a is null || b is null ? null : false;

    /// <summary>What an upstream that parses leniently sees: members unescaped, the last of two winning, <c>stream</c> true only when it is <c>true</c>.</summary>
    private readonly record struct LaxView(string? Model, bool Stream, bool IncludeUsage, long? MaxTokens)
    {
        public static LaxView Of(JsonElement root)
        {
            string? model = null;
            bool stream = false, includeUsage = false;
            long? maxTokens = null;
            long? maxCompletionTokens = null;
            foreach (var property in root.EnumerateObject())
            {
                var value = property.Value;
                switch (property.Name)
                {
                    case "model":
                        model = value.GetString();
                        break;
                    case "stream":
                        stream = value.ValueKind == JsonValueKind.True;
                        break;
                    case "stream_options":
                        includeUsage = false;
                        if (value.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var option in value.EnumerateObject())
                            {
                                if (option.Name == "include_usage")
                                {
                                    includeUsage = option.Value.ValueKind == JsonValueKind.True;
                                }
                            }
                        }

                        break;
                    case "max_tokens":
                        maxTokens = value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
                        break;
                    case "max_completion_tokens":
                        maxCompletionTokens = value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
                        break;
                }
            }

            return new LaxView(model, stream, includeUsage, maxTokens is null ? maxCompletionTokens : maxCompletionTokens is null ? maxTokens : Math.Max(maxTokens.Value, maxCompletionTokens.Value));
        }
    }
}
