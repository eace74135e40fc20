using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Maas.Kubernetes.Tokens;

namespace Maas.Kubernetes.Tests.Tokens;

public sealed partial class ServiceAccountNameTests
{
    [Theory]
    [InlineData("alice@example.com", "alice-example-com")]
    [InlineData("Bob.Smith+llm@Corp.EXAMPLE", "bob-smith-llm-corp-example")]
    [InlineData("cn=Jane Doe,ou=People,dc=example,dc=org", "cn-jane-doe-ou-people-dc-example-dc-org")]
    [InlineData("system:serviceaccount:ns:robot", "system-serviceaccount-ns-robot")]
    [InlineData("--weird__name--", "weird-name")]
    [InlineData("kube:admin", "kube-admin")]
    [InlineData("Renée Françoise", "ren-e-fran-oise")]
    [InlineData("李雷", "user")]
    [InlineData("🙂", "user")]
    public void Name_is_the_sanitized_user_name_and_a_hash_of_the_exact_name(string user, string expectedBase)
    {
        var name = ServiceAccountName.For(user);

        Assert.Equal(expectedBase + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user)))[..8], name);
        AssertDnsLabel(name);
    }

    [Fact]
    public void Name_matches_the_go_service_for_an_account_it_created()
    {
        // sha256("alice@example.com") starts ff8d9819 (as the Go maas-api names the account).
        Assert.Equal("alice-example-com-ff8d9819", ServiceAccountName.For("alice@example.com"));
    }

    [Fact]
    public void A_200_character_name_is_cut_to_63_and_keeps_its_hash()
    {
        var user = string.Concat(Enumerable.Repeat("Very.Long.User.Name-", 10));
        Assert.Equal(200, user.Length);

        var name = ServiceAccountName.For(user);

        Assert.Equal(63, name.Length);
        AssertDnsLabel(name);
        Assert.StartsWith("very-long-user-name-very-long", name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_that_lands_on_a_dash_leaves_no_double_dash()
    {
        var user = new string('a', 53) + ".b";
        var name = ServiceAccountName.For(user);
        Assert.DoesNotContain("--", name, StringComparison.Ordinal);
        AssertDnsLabel(name);
    }

    [Fact]
    public void Names_are_stable()
    {
        Assert.Equal(ServiceAccountName.For("cn=Jane Doe,dc=example"), ServiceAccountName.For("cn=Jane Doe,dc=example"));
    }

    [Fact]
    public void Users_that_sanitize_alike_get_distinct_names()
    {
        string[] users =
        [
            "alice", "Alice", "ALICE", "alice.", ".alice", "alice@", "a.lice", "a-lice", "a_lice", "a lice",
            "alice@example.com", "alice.example.com", "alice-example-com", "Alice@Example.com",
            "李雷", "韩梅梅", "🙂", "🙃", "",
            new string('x', 200), new string('x', 199) + "y", new string('x', 201),
        ];
        users = [.. users.Where(u => u.Length > 0)];

        var names = users.Select(ServiceAccountName.For).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, AssertDnsLabel);
    }

    [Fact]
    public void Ten_thousand_generated_users_never_collide()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(names.Add(ServiceAccountName.For($"user{i % 7}@example.com/{i}")));
        }
    }

    private static void AssertDnsLabel(string name)
    {
        Assert.InRange(name.Length, 1, 63);
        Assert.Matches(DnsLabel(), name);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
