using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Maas.Storage.InMemory;
using Maas.Tokens;
using Maas.Validation;

namespace Maas.Benchmarks;

/// <summary>
/// Validating an ephemeral token (offline JWT checks, then the owner's revoked-before instant
/// and the tier), uncached and cached. The floor is one ECDSA P-256 verification of the same signing input.
/// </summary>
[MemoryDiagnoser]
public class JwtValidationBenchmarks
{
    private MaasSubjects _maas = null!;
    private string _token = null!;
    private byte[] _signingInput = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _maas = new MaasSubjects(InMemoryStorage.CreateKeyStore());
        _token = _maas.Issuer.Issue(MaasSubjects.User, _maas.UserTier, TimeSpan.FromHours(4)).Token;
        var lastDot = _token.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(_token[..lastDot]);
        _signature = System.Buffers.Text.Base64Url.DecodeFromChars(_token.AsSpan(lastDot + 1));
        var reading = await _maas.Reader.ReadAsync(_token);
        if (!reading.IsValid)
        {
            throw new InvalidOperationException("The token does not validate: " + reading.Failure);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _maas.Dispose();

    /// <summary>The physical floor: SHA-256 and one P-256 verification.</summary>
    [Benchmark(Baseline = true)]
    public bool RawEcdsaP256Verify() =>
        _maas.Keys.Current.Key.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Shape, header, signature, claims and lifetime (Microsoft.IdentityModel's JsonWebTokenHandler and this service's stricter rules).</summary>
    [Benchmark]
    public async ValueTask<bool> JwtTokenReader_ReadAsync() => (await _maas.Reader.ReadAsync(_token)).IsValid;

    /// <summary>What the bearer scheme and introspection call, the token's answer cached: one SHA-256 of the token and lookups.</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> CredentialValidator_Token_Cached() => _maas.Validator.ValidateAsync(_token, CancellationToken.None);

    /// <summary>The same with the caches emptied first: the reader, the owner's revoked-before, the tier.</summary>
    [Benchmark]
    public ValueTask<CredentialValidation> CredentialValidator_Token_Uncached()
    {
        _maas.Validator.Cache.Tokens.Clear();
        _maas.Validator.Cache.Owners.Clear();
        return _maas.Validator.ValidateAsync(_token, CancellationToken.None);
    }
}
