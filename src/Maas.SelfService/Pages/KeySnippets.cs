namespace Maas.SelfService.Pages;

/// <summary>
/// How to use a new key, ready to copy: a curl call and the OpenAI SDKs (Python, JavaScript) pointed at a
/// model's base URL, with the key filled in. Shown only in the answer that shows the key (no-store), never
/// in a URL or a log.
/// </summary>
internal static class KeySnippets
{
    public static string Curl(ModelEndpoint model, string key) =>
        $$"""
        curl {{model.BaseUrl}}/chat/completions \
          -H "Authorization: Bearer {{key}}" \
          -H "Content-Type: application/json" \
          -d '{"model": "{{model.Id}}", "messages": [{"role": "user", "content": "Hello"}]}'
        """;

    public static string Python(ModelEndpoint model, string key) =>
        $$"""
        from openai import OpenAI

        client = OpenAI(base_url="{{model.BaseUrl}}", api_key="{{key}}")
        reply = client.chat.completions.create(
            model="{{model.Id}}", messages=[{"role": "user", "content": "Hello"}])
        print(reply.choices[0].message.content)
        """;

    public static string JavaScript(ModelEndpoint model, string key) =>
        $$"""
        import OpenAI from "openai";

        const client = new OpenAI({ baseURL: "{{model.BaseUrl}}", apiKey: "{{key}}" });
        const reply = await client.chat.completions.create({
          model: "{{model.Id}}", messages: [{ role: "user", content: "Hello" }] });
        console.log(reply.choices[0].message.content);
        """;
}
