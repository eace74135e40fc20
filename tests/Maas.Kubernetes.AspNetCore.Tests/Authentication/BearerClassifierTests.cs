using System.Text;
using Maas.Kubernetes.Authentication;

namespace Maas.Kubernetes.AspNetCore.Tests.Authentication;

public sealed class BearerClassifierTests
{
    [Theory]
    [InlineData("sk-maas-0123456789abcdef_secret", "Maas")]
    [InlineData("sk-oai-0123456789abcdef_secret", "Maas")]
    [InlineData("sk-oaix-0123456789abcdef_secret", "Cluster")]
    [InlineData("sha256~opaque-openshift-token", "Cluster")]
    [InlineData("not.a.jwt.at-all", "Cluster")]
    [InlineData("a.%%%.c", "Cluster")]
    public void Keys_and_opaque_tokens_are_told_apart(string credential, string expected) =>
        Assert.Equal(expected, BearerClassifier.Classify(credential, "maas-api", "maas-api-sa").ToString());

    [Theory]
    [InlineData("""{"iss":"maas-api","aud":"maas-default-gateway-sa","sub":"alice"}""", "Maas")]
    [InlineData("""{"iss":"https://kubernetes.default.svc","aud":["maas-api-sa"],"kubernetes.io":{"namespace":"maas-api-tier-free"}}""", "MaasServiceAccount")]
    [InlineData("""{"aud":"maas-api-sa","iss":"https://kubernetes.default.svc"}""", "MaasServiceAccount")]
    [InlineData("""{"iss":"https://kubernetes.default.svc","aud":["https://kubernetes.default.svc"],"nested":{"iss":"maas-api"}}""", "Cluster")]
    [InlineData("""{"iss":{"maas-api":1},"aud":[["maas-api-sa"]]}""", "Cluster")]
    [InlineData("""["maas-api"]""", "Cluster")]
    [InlineData("""{"iss":"maas-api""", "Cluster")]
    public void Jwts_are_told_apart_by_their_issuer_and_audience(string payload, string expected)
    {
        var token = "eyJhbGciOiJFUzI1NiJ9." + Base64Url(payload) + ".c2ln";
        Assert.Equal(expected, BearerClassifier.Classify(token, "maas-api", "maas-api-sa").ToString());
    }

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
