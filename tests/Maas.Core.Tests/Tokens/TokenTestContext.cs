using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Tokens;

/// <summary>An issuer and a reader sharing a key ring and a fake clock.</summary>
internal sealed class TokenTestContext : IDisposable
{
    public static readonly DateTimeOffset Start = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    public TokenTestContext(SigningKeyRing? keys = null, string issuer = "maas-api", string audience = "maas-default-gateway-sa")
    {
        Keys = keys ?? new SigningKeyRing([SigningKeyRing.GenerateKey()]);
        Options = Microsoft.Extensions.Options.Options.Create(new MaasOptions { Issuer = issuer, Audience = audience });
        Issuer = new JwtTokenIssuer(Keys, Options, Time);
        Reader = new JwtTokenReader(Keys, Options, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public SigningKeyRing Keys { get; }

    public IOptions<MaasOptions> Options { get; }

    public JwtTokenIssuer Issuer { get; }

    public JwtTokenReader Reader { get; }

    public static MaasUser Alice { get; } = new("alice", ["tier-premium-users", "system:authenticated"]);

    public static Tier Premium { get; } = new() { Name = "premium", Level = 1, Groups = { "tier-premium-users" } };

    public IssuedToken Issue(TimeSpan? lifetime = null) => Issuer.Issue(Alice, Premium, lifetime ?? TimeSpan.FromHours(4));

    public void Dispose() => Keys.Dispose();

    public static JsonDocument DecodeSegment(string token, int index) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[index]));

    /// <summary>Signs arbitrary header and payload JSON with <paramref name="key"/>, as an attacker with that key would.</summary>
    public static string Sign(ECDsa key, string headerJson, string payloadJson)
    {
        var input = Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(headerJson)) + "."
            + Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payloadJson));
        var signature = key.SignData(
            System.Text.Encoding.ASCII.GetBytes(input),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        // An attacker with the key would present the low-S form, the only one Maas accepts.
        P256Signature.NormalizeLowS(signature);
        return input + "." + Base64Url.EncodeToString(signature);
    }
}
