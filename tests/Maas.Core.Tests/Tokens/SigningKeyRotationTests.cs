using Maas.Tokens;
using Maas.Validation;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Tokens;

/// <summary>A retired signing key stays published and verifying until the last token it signed has expired.</summary>
public sealed class SigningKeyRotationTests
{
    private static readonly TimeSpan s_maximum = TimeSpan.FromHours(24);

    [Fact]
    public async Task Retired_key_is_published_until_retirement_plus_the_longest_token_lifetime()
    {
        var time = new FakeTimeProvider(TokenTestContext.Start);
        using var ring = new SigningKeyRing([SigningKeyRing.GenerateKey()], time, s_maximum);
        var old = ring.Current;
        var options = Microsoft.Extensions.Options.Options.Create(new MaasOptions());
        var issuer = new JwtTokenIssuer(ring, options, time);
        var reader = new JwtTokenReader(ring, options, time);
        var lastOldToken = issuer.Issue(TokenTestContext.Alice, TokenTestContext.Premium, s_maximum).Token;

        ring.Rotate(SigningKeyRing.GenerateKey());
        var retiredAt = time.GetUtcNow();

        Assert.NotEqual(old.Kid, ring.Current.Kid);
        Assert.Equal([ring.Current.Kid, old.Kid], ring.GetPublicKeys().Select(k => k.Kid));
        Assert.Equal(ring.Current.Kid, TokenTestContext.DecodeSegment(issuer.Issue(TokenTestContext.Alice, TokenTestContext.Premium, TimeSpan.FromHours(1)).Token, 0).RootElement.GetProperty("kid").GetString());

        time.SetUtcNow(retiredAt + s_maximum - TimeSpan.FromTicks(1));
        Assert.Equal(2, ring.GetPublicKeys().Count);
        Assert.True(ring.TryGetKey(old.Kid, out _));

        time.SetUtcNow(retiredAt + s_maximum);
        Assert.Equal([ring.Current.Kid], ring.GetPublicKeys().Select(k => k.Kid));
        Assert.False(ring.TryGetKey(old.Kid, out _));
        var reading1 = await reader.ReadAsync(lastOldToken);
        Assert.False(reading1.IsValid);
        var failure = reading1.Failure;
        Assert.Equal(ValidationFailure.UnknownSigningKey, failure);
    }

    [Fact]
    public async Task Token_signed_before_a_rotation_verifies_until_it_expires()
    {
        var time = new FakeTimeProvider(TokenTestContext.Start);
        using var ring = new SigningKeyRing([SigningKeyRing.GenerateKey()], time, s_maximum);
        var options = Microsoft.Extensions.Options.Options.Create(new MaasOptions());
        var issuer = new JwtTokenIssuer(ring, options, time);
        var reader = new JwtTokenReader(ring, options, time);
        var token = issuer.Issue(TokenTestContext.Alice, TokenTestContext.Premium, TimeSpan.FromHours(2)).Token;

        time.Advance(TimeSpan.FromMinutes(30));
        ring.Rotate(SigningKeyRing.GenerateKey());
        ring.Rotate(SigningKeyRing.GenerateKey());
        time.Advance(TimeSpan.FromMinutes(60));

        Assert.True((await reader.ReadAsync(token)).IsValid);
        Assert.Equal(3, ring.GetPublicKeys().Count);
    }

    [Fact]
    public void Keys_loaded_beside_the_signing_key_count_as_retired_when_the_ring_is_built()
    {
        var time = new FakeTimeProvider(TokenTestContext.Start);
        using var ring = new SigningKeyRing([SigningKeyRing.GenerateKey(), SigningKeyRing.GenerateKey()], time, s_maximum);
        Assert.Equal(2, ring.GetPublicKeys().Count);

        time.Advance(s_maximum);
        Assert.Single(ring.GetPublicKeys());
        Assert.Single(ring.Keys);
    }

    [Fact]
    public void Rotating_to_a_key_already_in_the_ring_or_without_a_private_part_is_refused()
    {
        var time = new FakeTimeProvider(TokenTestContext.Start);
        using var ring = new SigningKeyRing([SigningKeyRing.GenerateKey()], time, s_maximum);
        using var copy = SigningKeyRing.ImportPem(SigningKeyRing.ExportPkcs8Pem(ring.Current.Key), "copy");
        Assert.Throws<ArgumentException>(() => ring.Rotate(copy));

        using var publicOnly = System.Security.Cryptography.ECDsa.Create(ring.Current.Key.ExportParameters(false));
        Assert.Throws<ArgumentException>(() => ring.Rotate(publicOnly));
    }
}
