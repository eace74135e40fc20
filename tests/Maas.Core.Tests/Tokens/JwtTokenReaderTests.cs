using System.Buffers.Text;
using System.Text;
using Maas.Tokens;
using Maas.Validation;

namespace Maas.Core.Tests.Tokens;

public sealed class JwtTokenReaderTests
{
    [Fact]
    public async Task Issued_token_reads_back_with_its_claims()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue(TimeSpan.FromMinutes(90));

        var reading1 = await context.Reader.ReadAsync(issued.Token);
        Assert.True(reading1.IsValid);
        var claims = reading1.Claims;
        var failure = reading1.Failure;

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
    public async Task Token_is_valid_until_just_before_exp_and_expired_at_exp()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue(TimeSpan.FromMinutes(10));
        var exp = DateTimeOffset.FromUnixTimeSeconds(issued.ExpiresAt.ToUnixTimeSeconds());

        context.Time.SetUtcNow(exp.AddTicks(-1));
        Assert.True((await context.Reader.ReadAsync(issued.Token)).IsValid);

        context.Time.SetUtcNow(exp);
        var reading2 = await context.Reader.ReadAsync(issued.Token);
        Assert.False(reading2.IsValid);
        var claims = reading2.Claims;
        var failure = reading2.Failure;
        Assert.Null(claims);
        Assert.Equal(ValidationFailure.Expired, failure);
    }

    [Fact]
    public async Task Token_is_not_valid_before_nbf()
    {
        using var context = new TokenTestContext();
        var issued = context.Issue();
        var nbf = DateTimeOffset.FromUnixTimeSeconds(issued.IssuedAt.ToUnixTimeSeconds());
        var reader = new JwtTokenReader(context.Keys, context.Options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(nbf.AddTicks(-1)));

        var reading3 = await reader.ReadAsync(issued.Token);
        Assert.False(reading3.IsValid);
        var failure = reading3.Failure;
        Assert.Equal(ValidationFailure.NotYetValid, failure);
    }

    [Fact]
    public async Task Tampered_payload_is_a_bad_signature()
    {
        using var context = new TokenTestContext();
        var parts = context.Issue().Token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"premium\"", "\"enterprise\"", StringComparison.Ordinal);
        var forged = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];

        var reading4 = await context.Reader.ReadAsync(forged);
        Assert.False(reading4.IsValid);
        var failure = reading4.Failure;
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Fact]
    public async Task Every_single_character_change_of_the_signature_is_refused()
    {
        using var context = new TokenTestContext();
        var token = context.Issue().Token;
        var signatureStart = token.LastIndexOf('.') + 1;

        for (var i = signatureStart; i < token.Length; i++)
        {
            var chars = token.ToCharArray();
            chars[i] = chars[i] == 'A' ? 'B' : 'A';

            var reading5 = await context.Reader.ReadAsync(new string(chars));
            Assert.False(reading5.IsValid);
            var failure = reading5.Failure;
            Assert.Equal(ValidationFailure.BadSignature, failure);
        }
    }

    [Fact]
    public async Task Signature_with_padding_or_a_wrong_length_is_refused()
    {
        using var context = new TokenTestContext();
        var token = context.Issue().Token;

        Assert.False((await context.Reader.ReadAsync(token + "==")).IsValid);
        var reading6 = await context.Reader.ReadAsync(token[..^1]);
        Assert.False(reading6.IsValid);
        var shortFailure = reading6.Failure;
        Assert.Equal(ValidationFailure.BadSignature, shortFailure);
        Assert.False((await context.Reader.ReadAsync(token + "A")).IsValid);
    }

    [Fact]
    public async Task Token_signed_by_a_key_not_in_the_ring_is_refused()
    {
        using var context = new TokenTestContext();
        using var other = new TokenTestContext();
        var token = other.Issue().Token;

        var reading7 = await context.Reader.ReadAsync(token);
        Assert.False(reading7.IsValid);
        var failure = reading7.Failure;
        Assert.Equal(ValidationFailure.UnknownSigningKey, failure);
    }

    [Fact]
    public async Task Token_whose_kid_is_ours_but_signed_by_another_key_is_refused()
    {
        using var context = new TokenTestContext();
        using var attacker = SigningKeyRing.GenerateKey();
        var kid = context.Keys.Current.Kid;
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]));
        var forged = TokenTestContext.Sign(attacker, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}", payload);

        var reading8 = await context.Reader.ReadAsync(forged);
        Assert.False(reading8.IsValid);
        var failure = reading8.Failure;
        Assert.Equal(ValidationFailure.BadSignature, failure);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"KID\"}", ValidationFailure.UnsupportedAlgorithm)]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"KID\"}", ValidationFailure.UnsupportedAlgorithm)]
    [InlineData("{\"alg\":\"es256\",\"kid\":\"KID\"}", ValidationFailure.UnsupportedAlgorithm)]
    [InlineData("{\"typ\":\"JWT\",\"kid\":\"KID\"}", ValidationFailure.UnsupportedAlgorithm)]
    [InlineData("{}", ValidationFailure.UnsupportedAlgorithm)]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", ValidationFailure.UnknownSigningKey)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"unknown\"}", ValidationFailure.UnknownSigningKey)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"\"}", ValidationFailure.UnknownSigningKey)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":42}", ValidationFailure.Malformed)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"KID\",\"crit\":[\"exp\"]}", ValidationFailure.Malformed)]
    [InlineData("{\"alg\":\"HS256\",\"alg\":\"ES256\",\"kid\":\"KID\"}", ValidationFailure.Malformed)]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"unknown\",\"kid\":\"KID\"}", ValidationFailure.Malformed)]
    public async Task Header_without_ES256_and_one_known_kid_is_refused_for_what_it_lacks(string header, ValidationFailure expected)
    {
        using var context = new TokenTestContext();
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]));
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header.Replace("KID", context.Keys.Current.Kid, StringComparison.Ordinal), payload);

        var reading9 = await context.Reader.ReadAsync(token);
        Assert.False(reading9.IsValid);
        var failure = reading9.Failure;
        Assert.Equal(expected, failure);
    }

    [Fact]
    public async Task Token_for_another_issuer_or_audience_is_refused_as_such_not_as_a_bad_signature()
    {
        using var keys = new SigningKeyRing([SigningKeyRing.GenerateKey()]);
        var otherKeys = new SigningKeyRing([SigningKeyRing.ImportPem(SigningKeyRing.ExportPkcs8Pem(keys.Current.Key), "copy")]);
        var otherKeys2 = new SigningKeyRing([SigningKeyRing.ImportPem(SigningKeyRing.ExportPkcs8Pem(keys.Current.Key), "copy")]);
        using var ours = new TokenTestContext(keys);
        using var otherIssuer = new TokenTestContext(otherKeys, issuer: "someone-else");
        using var otherAudience = new TokenTestContext(otherKeys2, audience: "another-gateway");

        var reading10 = await ours.Reader.ReadAsync(otherIssuer.Issue().Token);
        Assert.False(reading10.IsValid);
        var issuerFailure = reading10.Failure;
        var reading11 = await ours.Reader.ReadAsync(otherAudience.Issue().Token);
        Assert.False(reading11.IsValid);
        var audienceFailure = reading11.Failure;

        Assert.Equal(ValidationFailure.WrongIssuer, issuerFailure);
        Assert.Equal(ValidationFailure.WrongAudience, audienceFailure);
    }

    [Fact]
    public async Task Audience_array_naming_us_is_accepted()
    {
        using var context = new TokenTestContext();
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(context.Issue().Token.Split('.')[1]))
            .Replace("\"aud\":\"maas-default-gateway-sa\"", "\"aud\":[\"x\",\"maas-default-gateway-sa\"]", StringComparison.Ordinal);
        var header = Encoding.UTF8.GetString(Base64Url.DecodeFromUtf8(context.Keys.Current.EncodedHeader));
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header, payload);

        Assert.True((await context.Reader.ReadAsync(token)).IsValid);
    }

    [Theory]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[1],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1.5,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"JTI\",\"iat\":1,\"nbf\":1,\"exp\":\"99999999999\"}")]
    [InlineData("{\"iss\":\"maas-api\",\"aud\":\"maas-default-gateway-sa\",\"sub\":\"a\",\"groups\":[],\"tier\":\"free\",\"jti\":\"not-a-uuid\",\"iat\":1,\"nbf\":1,\"exp\":99999999999}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"iss\":\"maas-api\"")]
    public async Task Signed_payload_missing_or_mistyping_a_claim_is_malformed(string payload)
    {
        using var context = new TokenTestContext();
        var jti = context.Issue().Id;
        var header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" + context.Keys.Current.Kid + "\"}";
        var token = TokenTestContext.Sign(context.Keys.Current.Key, header, payload.Replace("JTI", jti, StringComparison.Ordinal));

        var reading12 = await context.Reader.ReadAsync(token);
        Assert.False(reading12.IsValid);
        var failure = reading12.Failure;
        Assert.Equal(ValidationFailure.Malformed, failure);
    }

    [Fact]
    public async Task Token_signed_by_the_previous_key_verifies_after_rotation()
    {
        using var oldKey = SigningKeyRing.GenerateKey();
        using var newKey = SigningKeyRing.GenerateKey();
        var oldPem = SigningKeyRing.ExportPkcs8Pem(oldKey);
        var newPem = SigningKeyRing.ExportPkcs8Pem(newKey);
        using var before = new TokenTestContext(new SigningKeyRing([SigningKeyRing.ImportPem(oldPem, "old")]));
        using var after = new TokenTestContext(new SigningKeyRing([SigningKeyRing.ImportPem(newPem, "new"), SigningKeyRing.ImportPem(oldPem, "old")]));
        var oldToken = before.Issue().Token;

        var newToken = after.Issue().Token;

        Assert.True((await after.Reader.ReadAsync(oldToken)).IsValid);
        Assert.True((await after.Reader.ReadAsync(newToken)).IsValid);
        Assert.Equal(after.Keys.Current.Kid, TokenTestContext.DecodeSegment(newToken, 0).RootElement.GetProperty("kid").GetString());
        var reading13 = await before.Reader.ReadAsync(newToken);
        Assert.False(reading13.IsValid);
        var failure = reading13.Failure;
        Assert.Equal(ValidationFailure.UnknownSigningKey, failure);
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
    public async Task Garbage_is_malformed(string token)
    {
        using var context = new TokenTestContext();

        var reading14 = await context.Reader.ReadAsync(token);
        Assert.False(reading14.IsValid);
        var failure = reading14.Failure;
        Assert.Equal(ValidationFailure.Malformed, failure);
    }

    [Fact]
    public async Task Null_and_oversized_tokens_are_malformed()
    {
        using var context = new TokenTestContext();

        var reading15 = await context.Reader.ReadAsync(null);
        Assert.False(reading15.IsValid);
        var nullFailure = reading15.Failure;
        var reading16 = await context.Reader.ReadAsync(new string('a', JwtTokenReader.MaxTokenLength + 1));
        Assert.False(reading16.IsValid);
        var longFailure = reading16.Failure;

        Assert.Equal(ValidationFailure.Malformed, nullFailure);
        Assert.Equal(ValidationFailure.Malformed, longFailure);
    }

    [Fact]
    public async Task Never_throws_on_random_or_mutated_input()
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

            var reading17 = await context.Reader.ReadAsync(input);
            var ok = reading17.IsValid;
            var claims = reading17.Claims;
            var failure = reading17.Failure;

            Assert.Equal(ok, failure == ValidationFailure.None);
            Assert.Equal(ok, claims is not null);
        }
    }

    [Fact]
    public async Task Deeply_nested_json_is_refused_without_throwing()
    {
        using var context = new TokenTestContext();
        var deep = "{\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var token = TokenTestContext.Sign(context.Keys.Current.Key, "{\"alg\":\"ES256\",\"kid\":\"" + context.Keys.Current.Kid + "\"}", deep);

        Assert.False((await context.Reader.ReadAsync(token[..Math.Min(token.Length, JwtTokenReader.MaxTokenLength)])).IsValid);
        var reading18 = await context.Reader.ReadAsync(TokenTestContext.Sign(context.Keys.Current.Key, "{\"alg\":\"ES256\",\"kid\":\"" + context.Keys.Current.Kid + "\"}", "{\"x\":" + new string('[', 100) + new string(']', 100) + "}"));
        Assert.False(reading18.IsValid);
        var failure = reading18.Failure;
        Assert.Equal(ValidationFailure.Malformed, failure);
    }
}
