using Maas.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.Service;

public sealed class AdministratorTests
{
    private static MaasService ServiceWithAdmins(params string[] groups)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore(o =>
        {
            foreach (var group in groups)
            {
                o.Admins.Groups.Add(group);
            }
        }).UseInMemoryStorage();
        return services.BuildServiceProvider().GetRequiredService<MaasService>();
    }

    [Fact]
    public void A_member_of_a_configured_admin_group_is_an_administrator()
    {
        var maas = ServiceWithAdmins("maas-admins", "platform-team");
        Assert.True(maas.IsAdministrator(new MaasUser("root", ["system:authenticated", "platform-team"])));
        Assert.False(maas.IsAdministrator(new MaasUser("alice", ["system:authenticated"])));
    }

    [Fact]
    public void Admin_groups_match_exactly_and_nobody_administers_by_default()
    {
        Assert.False(ServiceWithAdmins("maas-admins").IsAdministrator(new MaasUser("eve", ["Maas-Admins", "maas-admins "])));
        Assert.False(ServiceWithAdmins().IsAdministrator(new MaasUser("root", ["system:masters", "maas-admins"])));
        Assert.False(ServiceWithAdmins(" ").IsAdministrator(new MaasUser("blank", [" "])));
    }
}
