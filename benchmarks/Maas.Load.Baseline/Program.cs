using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Maas.Load.Baseline;

// The ceilings the load script compares Maas against, on the Kestrel configuration of samples/Maas.Api:
//   POST|GET /fixed   201 with a fixed JSON body: the framework ceiling;
//   POST /sign        one ES256 signature of a token-sized signing input per request;
//   POST /lookup      SHA-256 of the bearer credential plus one dictionary lookup;
//   POST /v1/traces|metrics|logs  an OTLP/HTTP collector that discards what it receives.
// With --proxy-to URL it is instead the data plane's floor: a bare YARP proxy, no authentication, no limits,
// forwarding /llm/{model}/{**rest} to URL/{rest}, the route shape of a Maas gateway model.
// Usage: Maas.Load.Baseline --address 127.0.0.1:PORT [--proxy-to http://127.0.0.1:UPSTREAM]
var address = CeilingEndpoints.ParseAddress(args);
var proxyTo = BareProxy.ParseUpstream(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
    kestrel.Listen(address);
});

if (proxyTo is not null)
{
    builder.Services.AddReverseProxy().LoadFromMemory(BareProxy.Routes, BareProxy.Clusters(proxyTo));
}

using var endpoints = new CeilingEndpoints();
var app = builder.Build();
app.MapGet("/health", () => TypedResults.Ok());
if (proxyTo is not null)
{
    app.MapReverseProxy();
}
else
{
    app.MapMethods("/fixed", ["GET", "POST"], CeilingEndpoints.FixedAsync);
    app.MapPost("/sign", endpoints.SignAsync);
    app.MapPost("/lookup", endpoints.LookupAsync);
    // An OTLP/HTTP collector that keeps nothing: the telemetry row's host exports its traces, metrics and logs here.
    app.MapPost("/v1/{signal:regex(^(traces|metrics|logs)$)}", CeilingEndpoints.DiscardOtlpAsync);
}

await app.RunAsync();

namespace Maas.Load.Baseline
{
    /// <summary>The three bare endpoints; everything they need is computed once at start-up.</summary>
    internal sealed class CeilingEndpoints : IDisposable
    {
        private const string Json = "application/json";

        // The shape and size of a POST /v1/tokens answer.
        private static readonly byte[] FixedBody = Encoding.UTF8.GetBytes(
            "{\"token\":\"" + new string('x', 420) + "\",\"expiration\":\"4h0m0s\",\"expiresAt\":1767225600,\"issuedAt\":1767211200,\"jti\":\"0193d2a4-7c1e-7b3f-9a2d-5e6f7a8b9c0d\"}");

        private static readonly byte[] ActiveBody = "{\"active\":true}"u8.ToArray();
        private static readonly byte[] InactiveBody = "{\"active\":false}"u8.ToArray();

        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A signing input as long as a Maas token's header.payload: 430 base64url characters.
        private readonly byte[] _signingInput = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(322)));
        private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _byHash;

        public CeilingEndpoints()
        {
            // The credential the load script presents is "sk-maas-baseline"; 10,000 other hashes fill the table.
            var byHash = new Dictionary<byte[], string>(HashComparer.Instance);
            for (var i = 0; i < 10_000; i++)
            {
                byHash.Add(SHA256.HashData(RandomNumberGenerator.GetBytes(32)), "key-" + i);
            }

            byHash.Add(SHA256.HashData("sk-maas-baseline"u8), "baseline");
            _byHash = byHash.GetAlternateLookup<ReadOnlySpan<byte>>();
        }

        public static IPEndPoint ParseAddress(string[] args)
        {
            var index = Array.IndexOf(args, "--address");
            var text = index >= 0 && index + 1 < args.Length ? args[index + 1] : "127.0.0.1:8090";
            return IPEndPoint.Parse(text);
        }

        public static Task FixedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status201Created, FixedBody);

        /// <summary>Reads an OTLP/HTTP export and answers with the empty (all-accepted) protobuf response.</summary>
        public static async Task DiscardOtlpAsync(HttpContext context)
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength = 0;
        }

        public Task SignAsync(HttpContext context)
        {
            // {"token":"<signing input>.<signature>"}, as a token answer carries it.
            var body = new byte[10 + _signingInput.Length + 1 + 86 + 2];
            "{\"token\":\""u8.CopyTo(body);
            _signingInput.CopyTo(body, 10);
            body[10 + _signingInput.Length] = (byte)'.';
            Span<byte> signature = stackalloc byte[64];
            _key.SignData(_signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            Base64Url.EncodeToUtf8(signature, body.AsSpan(11 + _signingInput.Length));
            "\"}"u8.CopyTo(body.AsSpan(body.Length - 2));
            return WriteAsync(context, StatusCodes.Status201Created, body);
        }

        public Task LookupAsync(HttpContext context)
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            var credential = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization.AsSpan(7) : [];
            Span<byte> input = stackalloc byte[128];
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var found = false;
            if (Encoding.UTF8.TryGetBytes(credential, input, out var length))
            {
                SHA256.HashData(input[..length], hash);
                found = _byHash.TryGetValue(hash, out _);
            }

            return WriteAsync(context, StatusCodes.Status200OK, found ? ActiveBody : InactiveBody);
        }

        public void Dispose() => _key.Dispose();

        private static Task WriteAsync(HttpContext context, int status, ReadOnlyMemory<byte> body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = Json;
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        }
    }

    /// <summary>Byte arrays compared by content; probed with spans.</summary>
    internal sealed class HashComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly HashComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
