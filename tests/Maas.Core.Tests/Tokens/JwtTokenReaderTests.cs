using System.Buffers.Text;
using System.Text;
using Maas.Tokens;
using Maas.Validation;

namespace Maas.Core.Tests.Tokens;

public sealed class JwtTokenReaderTests
{
    [Fact]
    public void Issued_token_reads_back_with_its_claims()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue(TimeSpan.FromMinutes(90));

        Assert.True(context.Reader.TryRead(issued.Token, out var claims, out var failure));

        Assert.Equal(ValidationFailure.None, failure);
        Assert.Equal("alice", claims.Subject);
        Assert.Equal(TokenTestContext.Alice.Groups, claims.Groups);
        Assert.Equal("premium", claims.Tier);
        Assert.Equal(issued.Id, claims.Id);
        Assert.Equal(issued.IssuedAt, claims.IssuedInstant);
        Assert.Equal(issued.IssuedAt.ToUnixTimeSeconds(), claims.IssuedAt.ToUnixTimeSeconds());
        Assert.Equal(claims.IssuedAt, claims.NotBefore);
        Assert.Equal(issued.ExpiresAt.ToUnixTimeSeconds(), claims.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromMinutes(90), claims.ExpiresAt - claims.IssuedAt);
    }

    [Fact]
    public void Token_is_valid_until_just_before_exp_and_expired_at_exp()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue(TimeSpan.FromMinutes(10));
        var exp = DateTimeOffset.FromUnixTimeSeconds(issued.ExpiresAt.ToUnixTimeSeconds());

        context.Time.SetUtcNow(exp.AddTicks(-1));
        Assert.True(context.Reader.TryRead(issued.Token, out _, out _));

        context.Time.SetUtcNow(exp);
        Assert.False(context.Reader.TryRead(issued.Token, out var claims, out var failure));
        Assert.Null(claims);
        Assert.Equal(ValidationFailure.Expired, failure);
    }

    [Fact]
    public void Token_is_not_valid_before_nbf()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue();
        var nbf = DateTimeOffset.FromUnixTimeSeconds(issued.IssuedAt.ToUnixTimeSeconds());
        var reader = new JwtTokenReader(context.Keys, context.Options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(nbf.AddTicks(-1)));

        Assert.False(reader.TryRead(issued.Token, out _, out var failure));
        Assert.Equal(ValidationFailure.Expired, failure);
    }

    [Fact]
    public void Tampered_payload_is_a_bad_signature()
    {
        using var context = new TokenTestContext();
        var parts = context.Issue().Token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"premium\"", "\"enterprise\"", StringComparison.Ordinal);
        var forged = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];

        Assert.False(context.Reader.TryRead(forged, out _, out var failure));
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Fact]
    public void Every_single_character_change_of_the_signature_is_refused()
    {
        using var context = new TokenTestContext();
        var token = context.Issue().Token;
        var signatureStart = token.LastIndexOf('.') + 1;

        for (var i = signatureStart; i < token.Length; i++)
        {
            var chars = token.ToCharArray();
            chars[i] = chars[i] == 'A' ? 'B' : 'A';

            Assert.False(context.Reader.TryRead(new string(chars), out _, out var failure));
            Assert.Equal(ValidationFailure.BadSignature, failure);
        }
    }

    [Fact]
    public void Signature_with_padding_or_a_wrong_length_is_refused()
    {
        using var context = new TokenTestContext();
        var token = context.Issue().Token;

        Assert.False(context.Reader.TryRead(token + "==", out _, out _));
        Assert.False(context.Reader.TryRead(token[..^1], out _, out var shortFailure));
        Assert.Equal(ValidationFailure.BadSignature, shortFailure);
        Assert.False(context.Reader.TryRead(token + "A", out _, out _));
    }

    [Fact]
    public void Token_signed_by_a_key_not_in_the_ring_is_refused()
    {
        using var context = new TokenTestContext();
        using var other = new TokenTestContext();
        var token = other.Issue().Token;

        Assert.False(context.Reader.TryRead(token, out _, out var failure));
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Fact]
    public void Token_whose_kid_is_ours_but_signed_by_another_key_is_refused()
    {
        using var context = new TokenTestContext();
        using var attacker = SigningKeyRing.GenerateKey();
        var kid = context.Keys.Current.Kid;
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]));
        var forged = TokenTestContext.Sign(attacker, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}", payload);

        Assert.False(context.Reader.TryRead(forged, out _, out var failure));
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"KID\"}")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"KID\"}")]
    [InlineData("{\"typ\":\"JWT\",\"kid\":\"KID\"}")]
    [InlineData("{}")]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"JWT\"}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"unknown\"}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":42}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"KID\",\"crit\":[\"exp\"]}")]
    public void Header_without_ES256_and_a_known_kid_is_a_bad_signature(string header)
    {
        using var context = new TokenTestContext();
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]));
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header.Replace("KID", context.Keys.Current.Kid, StringComparison.Ordinal), payload);

        Assert.False(context.Reader.TryRead(token, out _, out var failure));
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Fact]
    public void Token_for_another_issuer_or_audience_is_a_bad_signature()
    {
        using var keys = new SigningKeyRing([SigningKeyRing.GenerateKey()]);
        var otherKeys = new SigningKeyRing([SigningKeyRing.ImportPem(SigningKeyRing.ExportPkcs8Pem(keys.Current.Key), "copy")]);
        var otherKeys2 = new SigningKeyRing([SigningKeyRing.ImportPem(SigningKeyRing.ExportPkcs8Pem(keys.Current.Key), "copy")]);
        using var ours = new TokenTestContext(keys);
        using var otherIssuer = new TokenTestContext(otherKeys, issuer: "someone-else");
        using var otherAudience = new TokenTestContext(otherKeys2, audience: "another-gateway");

        Assert.False(ours.Reader.TryRead(otherIssuer.Issue().Token, out _, out var issuerFailure));
        Assert.False(ours.Reader.TryRead(otherAudience.Issue().Token, out _, out var audienceFailure));

        Assert.Equal(ValidationFailure.BadSignature, issuerFailure);
        Assert.Equal(ValidationFailure.BadSignature, audienceFailure);
    }

    [Fact]
    public void Audience_array_naming_us_is_accepted()
    {
        using var context = new TokenTestContext();
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]))
            .Replace("\"aud\":\"maas-default-gateway-sa\"", "\"aud\":[\"x\",\"maas-default-gateway-sa\"]", StringComparison.Ordinal);
        var header = Encoding.UTF8.GetString(Base64Url.DecodeFromUtf8(context.Keys.Current.EncodedHeader));
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header, payload);

        Assert.True(context.Reader.TryRead(token, out _, out _));
    }

    [Theory]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[1],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1.5,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1,\"nbf\":1,\"exp\":\"99999999999\"}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"not-a-uuid\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"iss\":\"maas-api\"")]
    public void Signed_payload_missing_or_mistyping_a_claim_is_malformed(string payload)
    {
        using var context = new TokenTestContext();
        var jti = context.Issue().Id;
        var header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" + context.Keys.Current.Kid + "\"}";
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header, payload.Replace("JTI", jti, StringComparison.Ordinal));

        Assert.False(context.Reader.TryRead(token, out _, out var failure));
        Assert.Equal(ValidationFailure.Malformed, failure);
    }

    [Fact]
    public void Token_signed_by_the_previous_key_verifies_after_rotation()
    {
        using var oldKey = SigningKeyRing.GenerateKey();
        using var newKey = SigningKeyRing.GenerateKey();
        var oldPem = SigningKeyRing.ExportPkcs8Pem(oldKey);
        var newPem = SigningKeyRing.ExportPkcs8Pem(newKey);
        using var before = new TokenTestContext(new SigningKeyRing([SigningKeyRing.ImportPem(oldPem, "old")]));
        using var after = new TokenTestContext(new SigningKeyRing([SigningKeyRing.ImportPem(newPem, "new"), SigningKeyRing.ImportPem(oldPem, "old")]));
        var oldToken = before.Issue().Token;

        var newToken = after.Issue().Token;

        Assert.True(after.Reader.TryRead(oldToken, out _, out _));
        Assert.True(after.Reader.TryRead(newToken, out _, out _));
        Assert.Equal(after.Keys.Current.Kid, TokenTestContext.DecodeSegment(newToken, 0).RootElement.GetProperty("kid").GetString());
        Assert.False(before.Reader.TryRead(newToken, out _, out var failure));
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData(".b.c")]
    [InlineData("a..c")]
    [InlineData("a.b.")]
    [InlineData("a b.c.d")]
    [InlineData("bm90IGpzb24.e30.AAAA")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9+.e30.AAAA")]
    [InlineData("sk-maas-abc")]
    public void Garbage_is_malformed(string token)
    {
        using var context = new TokenTestContext();

        Assert.False(context.Reader.TryRead(token, out _, out var failure));
        Assert.Equal(ValidationFailure.Malformed, failure);
    }

    [Fact]
    public void Null_and_oversized_tokens_are_malformed()
    {
        using var context = new TokenTestContext();

        Assert.False(context.Reader.TryRead(null, out _, out var nullFailure));
        Assert.False(context.Reader.TryRead(new string('a', JwtTokenReader.MaxTokenLength + 1), out _, out var longFailure));

        Assert.Equal(ValidationFailure.Malformed, nullFailure);
        Assert.Equal(ValidationFailure.Malformed, longFailure);
    }

    [Fact]
    public void Never_throws_on_random_or_mutated_input()
    {
        using var context = new TokenTestContext();
        var random = new Random(7638);
        var valid = context.Issue().Token;
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"\\\0é";
        const string jsonAlphabet = "{}[]\":,0123456789.eE-tfnul\\ \uD800é";
        var header = "{\"alg\":\"ES256\",\"kid\":\"" + context.Keys.Current.Kid + "\"}";
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(valid.Split('.')[1]));
        for (var i = 0; i < 5000; i++)
        {
            string input;
            switch (i % 5)
            {
                case 0:
                    input = new string(Enumerable.Range(0, random.Next(0, 400)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
                    break;
                case 1:
                    var chars = valid.ToCharArray();
                    for (var n = random.Next(1, 4); n > 0; n--)
                    {
                        chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
                    }

                    input = new string(chars);
                    break;
                case 2:
                    var bytes = new byte[random.Next(0, 300)];
                    random.NextBytes(bytes);
                    input = Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(bytes.Reverse().ToArray()) + "." + valid.Split('.')[2];
                    break;
                case 3:
                    var json = new string(Enumerable.Range(0, random.Next(0, 80)).Select(_ => jsonAlphabet[random.Next(jsonAlphabet.Length)]).ToArray());
                    input = TokenTestContext.Sign(context.Keys.Current.Key, header, json);
                    break;
                default:
                    var mutated = payload.ToCharArray();
                    for (var n = random.Next(1, 3); n > 0; n--)
                    {
                        mutated[random.Next(mutated.Length)] = jsonAlphabet[random.Next(jsonAlphabet.Length)];
                    }

                    input = TokenTestContext.Sign(context.Keys.Current.Key, header, new string(mutated));
                    break;
            }

            var ok = context.Reader.TryRead(input, out var claims, out var failure);

            Assert.Equal(ok, failure == ValidationFailure.None);
            Assert.Equal(ok, claims is not null);
        }
    }

    [Fact]
    public void Deeply_nested_json_is_refused_without_throwing()
    {
        using var context = new TokenTestContext();
        var deep = "{\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var token = TokenTestContext.Sign(context.Keys.Current.Key, "{\"alg\":\"ES256\",\"kid\":\"" + context.Keys.Current.Kid + "\"}", deep);

        Assert.False(context.Reader.TryRead(token[..Math.Min(token.Length, JwtTokenReader.MaxTokenLength)], out _, out _));
        Assert.False(context.Reader.TryRead(TokenTestContext.Sign(context.Keys.Current.Key, "{\"alg\":\"ES256\",\"kid\":\"" + context.Keys.Current.Kid + "\"}", "{\"x\":" + new string('[', 100) + new string(']', 100) + "}"), out _, out var failure));
        Assert.Equal(ValidationFailure.Malformed, failure);
    }
}
