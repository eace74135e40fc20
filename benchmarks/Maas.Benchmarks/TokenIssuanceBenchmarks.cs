using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Maas.Durations;
using Maas.Storage.InMemory;
using Maas.Tiers;
using Maas.Tokens;

namespace Maas.Benchmarks;

/// <summary>
/// Ephemeral token issuance in process. The floor is one ECDSA P-256 signature over a signing
/// input of the same length as a real token's; target: <see cref="JwtTokenIssuer.Issue"/> within 1.2x of it.
/// </summary>
[MemoryDiagnoser]
public class TokenIssuanceBenchmarks
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(4);
    private readonly byte[] _signature = new byte[JwtTokenIssuer.SignatureLength];
    private MaasSubjects _maas = null!;
    private Tier _tier = null!;
    private byte[] _signingInput = null!;

    [GlobalSetup]
    public void Setup()
    {
        _maas = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        _tier = _maas.UserTier;
        var token = _maas.Issuer.Issue(MaasSubjects.User, _tier, Lifetime).Token;
        _signingInput = Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]);
    }

    [GlobalCleanup]
    public void Cleanup() => _maas.Dispose();

    /// <summary>The physical floor: SHA-256 and one P-256 signature over a real token's signing input.</summary>
    [Benchmark(Baseline = true)]
    public int RawEcdsaP256Sign() =>
        _maas.Keys.Current.Key.SignData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The built-in issuer: claims as JSON, base64url, the signature, the token string.</summary>
    [Benchmark]
    public IssuedToken JwtTokenIssuer_Issue() => _maas.Issuer.Issue(MaasSubjects.User, _tier, Lifetime);

    /// <summary>What <c>POST /v1/tokens</c> calls: tier resolution, lifetime policy, then the issuer.</summary>
    [Benchmark]
    public ValueTask<IssuedToken> TokenService_Issue() => _maas.Tokens.IssueAsync(MaasSubjects.User, GoDuration.FromHours(4));
}
