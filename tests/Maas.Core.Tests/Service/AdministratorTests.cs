using Maas.ApiKeys;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.Service;

public sealed class AdministratorTests
{
    private static MaasServices ServiceWithAdmins(params string[] groups)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore(o =>
        {
            foreach (var group in groups)
            {
                o.Admins.Groups.Add(group);
            }
        }).UseInMemoryStorage();
        return MaasServices.From(services.BuildServiceProvider());
    }

    [Fact]
    public void A_member_of_a_configured_admin_group_is_an_administrator()
    {
        var maas = ServiceWithAdmins("maas-admins", "platform-team");
        Assert.True(maas.Administrators.Includes(new MaasUser("root", ["system:authenticated", "platform-team"])));
        Assert.False(maas.Administrators.Includes(new MaasUser("alice", ["system:authenticated"])));
    }

    [Fact]
    public void A_user_from_an_api_key_is_never_an_administrator_whatever_its_groups()
    {
        var maas = ServiceWithAdmins("maas-admins");

        Assert.False(maas.Administrators.Includes(new MaasUser("root", ["maas-admins"]) { FromApiKey = true }));
        Assert.True(maas.Administrators.Includes(new MaasUser("root", ["maas-admins"])));
    }

    [Fact]
    public async Task Validation_marks_a_keys_user_as_from_an_api_key_and_a_tokens_user_not()
    {
        var maas = ServiceWithAdmins("maas-admins");
        var root = new MaasUser("root", ["system:authenticated", "maas-admins"]);
        var key = await maas.ApiKeys.CreateAsync(root, new ApiKeyRequest { Name = "k" });
        var token = await maas.Tokens.IssueAsync(root, null);

        var byKey = await maas.Credentials.ValidateAsync(key.Key);
        var byToken = await maas.Credentials.ValidateAsync(token.Token);

        Assert.True(byKey.IsValid);
        Assert.True(byKey.User.FromApiKey);
        Assert.False(maas.Administrators.Includes(byKey.User));
        Assert.True(byToken.IsValid);
        Assert.False(byToken.User.FromApiKey);
        Assert.True(maas.Administrators.Includes(byToken.User));
    }

    [Fact]
    public void Admin_groups_match_exactly_and_nobody_administers_by_default()
    {
        Assert.False(ServiceWithAdmins("maas-admins").Administrators.Includes(new MaasUser("eve", ["Maas-Admins", "maas-admins "])));
        Assert.False(ServiceWithAdmins().Administrators.Includes(new MaasUser("root", ["system:masters", "maas-admins"])));
        Assert.False(ServiceWithAdmins(" ").Administrators.Includes(new MaasUser("blank", [" "])));
    }
}
