using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.Tokens;

namespace Maas.Core.Tests.Tokens;

public sealed class JwtTokenIssuerTests
{
    [Fact]
    public void Header_names_ES256_JWT_and_the_current_kid()
    {
        using var context = new TokenTestContext();

        var token = context.Issue().Token;

        using var header = TokenTestContext.DecodeSegment(token, 0);
        Assert.Equal(
            ["alg", "typ", "kid"],
            header.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
        Assert.Equal(context.Keys.Current.Kid, header.RootElement.GetProperty("kid").GetString());
    }

    [Fact]
    public void Payload_holds_exactly_the_design_claims()
    {
        using var context = new TokenTestContext();

        var issued = context.Issue(TimeSpan.FromHours(4));

        using var payload = TokenTestContext.DecodeSegment(issued.Token, 1);
        var root = payload.RootElement;
        Assert.Equal(
            ["iss", "aud", "sub", "groups", "tier", "jti", "iat", "nbf", "exp"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("maas-api", root.GetProperty("iss").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("aud").ValueKind);
        Assert.Equal("maas-default-gateway-sa", root.GetProperty("aud").GetString());
        Assert.Equal("alice", root.GetProperty("sub").GetString());
        Assert.Equal(["tier-premium-users", "system:authenticated"], root.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("premium", root.GetProperty("tier").GetString());
        Assert.Equal(issued.Id, root.GetProperty("jti").GetString());
        var iat = root.GetProperty("iat").GetInt64();
        Assert.Equal(TokenTestContext.Start.ToUnixTimeSeconds(), iat);
        Assert.Equal(iat, root.GetProperty("nbf").GetInt64());
        Assert.Equal(iat + (4 * 3600), root.GetProperty("exp").GetInt64());
        Assert.Equal(iat, issued.IssuedAt.ToUnixTimeSeconds());
        Assert.Equal(iat + (4 * 3600), issued.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromHours(4), issued.ExpiresAt - issued.IssuedAt);
    }

    [Fact]
    public void Token_is_three_base64url_segments_with_a_64_byte_signature()
    {
        using var context = new TokenTestContext();

        var token = context.Issue().Token;

        Assert.Matches(new Regex("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{86}$"), token);
        var parts = token.Split('.');
        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
        Assert.True(context.Keys.Current.Key.VerifyData(
            System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]),
            signature,
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task Non_ASCII_and_special_characters_in_claims_survive_the_round_trip()
    {
        using var context = new TokenTestContext();
        var user = new Users.MaasUser("zoë \"quoted\" <b>+/", ["grüppe", ""]);

        var issued = context.Issuer.Issue(user, TokenTestContext.Premium, TimeSpan.FromMinutes(10));

        var reading1 = await context.Reader.ReadAsync(issued.Token);
        Assert.True(reading1.IsValid);
        var claims = reading1.Claims;
        Assert.Equal(user.Name, claims.Subject);
        Assert.Equal(user.Groups, claims.Groups);
    }

    [Fact]
    public void Each_token_gets_a_distinct_jti()
    {
        using var context = new TokenTestContext();

        var ids = Enumerable.Range(0, 1000).Select(_ => context.Issue().Id).ToHashSet();

        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void Jti_is_a_UUID_version_7_carrying_the_issuance_instant()
    {
        using var context = new TokenTestContext();

        var issued = context.Issue();

        Assert.Matches(new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), issued.Id);
        Assert.True(JwtTokenIssuer.TryGetIssuedInstant(issued.Id, out var instant));
        Assert.Equal(issued.IssuedAt, instant);
        Assert.True(instant <= TokenTestContext.Start);
        Assert.True(TokenTestContext.Start - instant < TimeSpan.FromTicks(3), "within one 1/4096 ms step");
        Assert.Equal(TokenTestContext.Start.ToUnixTimeMilliseconds(), long.Parse(issued.Id.Replace("-", "", StringComparison.Ordinal)[..12], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Jti_instant_round_trips_for_every_tick_of_a_millisecond()
    {
        Span<byte> uuid = stackalloc byte[16];
        var millisecond = TokenTestContext.Start.AddTicks(-(TokenTestContext.Start.UtcTicks % TimeSpan.TicksPerMillisecond));
        for (var tick = 0; tick < TimeSpan.TicksPerMillisecond; tick++)
        {
            var now = millisecond.AddTicks(tick);
            var encoded = JwtTokenIssuer.CreateJwtId(now, uuid);
            var jti = new Guid(uuid, bigEndian: true).ToString();

            Assert.True(JwtTokenIssuer.TryGetIssuedInstant(jti, out var decoded));
            Assert.Equal(encoded, decoded);
            Assert.True(decoded <= now);
            Assert.True(now - decoded < TimeSpan.FromTicks(3));

            // Encoding the decoded instant lands in the same step: the instant is stable.
            var again = JwtTokenIssuer.CreateJwtId(decoded, uuid);
            Assert.Equal(decoded, again);
        }
    }

    [Fact]
    public void A_token_issued_a_millisecond_after_an_instant_has_an_issued_instant_not_before_it()
    {
        using var context = new TokenTestContext();
        var revokedBefore = context.Time.GetUtcNow();
        var before = context.Issue();

        context.Time.Advance(TimeSpan.FromMilliseconds(1));
        var after = context.Issue();

        Assert.True(JwtTokenIssuer.TryGetIssuedInstant(before.Id, out var beforeInstant));
        Assert.True(JwtTokenIssuer.TryGetIssuedInstant(after.Id, out var afterInstant));
        Assert.True(beforeInstant <= revokedBefore);
        Assert.True(afterInstant >= revokedBefore);
        Assert.True(afterInstant > beforeInstant);
        Assert.Equal(before.IssuedAt.ToUnixTimeSeconds(), after.IssuedAt.ToUnixTimeSeconds());
    }

    [Fact]
    public void Jti_instants_order_like_issuance()
    {
        using var context = new TokenTestContext();
        var instants = new List<DateTimeOffset>();
        for (var i = 0; i < 200; i++)
        {
            context.Time.Advance(TimeSpan.FromTicks(3 + (i % 7)));
            Assert.True(JwtTokenIssuer.TryGetIssuedInstant(context.Issue().Id, out var instant));
            instants.Add(instant);
        }

        Assert.Equal(instants.Order(), instants);
        Assert.Equal(instants.Count, instants.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    [InlineData("0190a0b2-c3d4-4def-8123-456789abcdef")] // version 4
    [InlineData("0190a0b2-c3d4-7def-c123-456789abcdef")] // wrong variant
    [InlineData("{0190a0b2-c3d4-7def-8123-456789abcdef}")]
    [InlineData("0190a0b2c3d47def8123456789abcdef")]
    [InlineData(null)]
    public void Jti_that_is_not_a_UUID_version_7_has_no_instant(string? jti)
    {
        Assert.False(JwtTokenIssuer.TryGetIssuedInstant(jti, out _));
    }

    [Fact]
    public void The_largest_UUID_version_7_timestamp_has_no_representable_instant()
    {
        Assert.False(JwtTokenIssuer.TryGetIssuedInstant("ffffffff-ffff-7fff-bfff-ffffffffffff", out _));
    }

    [Fact]
    public void Non_positive_lifetime_is_refused()
    {
        using var context = new TokenTestContext();

        Assert.Throws<ArgumentOutOfRangeException>(() => context.Issue(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.Issue(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task IssueAsync_issues_a_readable_token()
    {
        using var context = new TokenTestContext();

        var issued = await context.Issuer.IssueAsync(TokenTestContext.Alice, TokenTestContext.Premium, TimeSpan.FromMinutes(30));

        var reading2 = await context.Reader.ReadAsync(issued.Token);
        Assert.True(reading2.IsValid);
        var claims = reading2.Claims;
        Assert.Equal(issued.Id, claims.Id);
    }

    [Fact]
    public async Task Parallel_issuance_with_one_key_produces_valid_tokens()
    {
        using var context = new TokenTestContext();
        var tokens = new string[2000];

        Parallel.For(0, tokens.Length, i => tokens[i] = context.Issue().Token);

        foreach (var token in tokens)
        {
            Assert.True((await context.Reader.ReadAsync(token)).IsValid);
        }
    }
}
