using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Errors;
using Maas.Revocation;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Core.Tests.Service;

/// <summary>Who reaches whose keys is decided in the services (<see cref="ApiKeyService"/>, <see cref="Administration.KeyAdministrationService"/>): search scope, admin reads and revokes, bulk revoke.</summary>
public sealed class KeyAdministrationTests
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private static readonly MaasUser Bob = new("bob", ["system:authenticated"]);
    private static readonly MaasUser Root = new("root", ["system:authenticated", "maas-admins"]);

    // Root's API key: its groups were fixed when root created it, root may have left maas-admins since.
    private static readonly MaasUser RootsKey = Root with { FromApiKey = true };

    private static (MaasServices Service, RevocationSignal Signal) Create()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore(o => o.Admins.Groups.Add("maas-admins")).UseInMemoryStorage();
        var provider = services.BuildServiceProvider();
        return (MaasServices.From(provider), provider.GetRequiredService<RevocationSignal>());
    }

    [Fact]
    public async Task A_user_searches_their_own_keys_an_admin_anyones_or_everyones()
    {
        var (maas, _) = Create();
        await maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "a" });
        await maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "b" });

        Assert.Equal(["alice"], (await maas.Administration.SearchAsync(Alice, new())).Keys.Select(k => k.Owner));
        Assert.Equal(["alice"], (await maas.Administration.SearchAsync(Alice, new() { Username = "" })).Keys.Select(k => k.Owner));
        await Assert.ThrowsAsync<AdministratorRequiredException>(async () => await maas.Administration.SearchAsync(Alice, new() { Username = "bob" }));
        Assert.Equal(["bob"], (await maas.Administration.SearchAsync(Root, new() { Username = "bob" })).Keys.Select(k => k.Owner));
        Assert.Equal(["alice", "bob"], (await maas.Administration.SearchAsync(Root, new())).Keys.Select(k => k.Owner).Order());
    }

    [Theory]
    [InlineData("filters.status", null, null, 0, null)]
    [InlineData("sort.by", 42, null, null, null)]
    [InlineData("sort.order", null, 42, null, null)]
    [InlineData("pagination.limit", null, null, 0, null)]
    [InlineData("pagination.cursor", null, null, null, "!!")]
    public async Task Bad_search_parts_name_their_field(string field, int? sortBy, int? order, int? limit, string? cursor)
    {
        // Values outside the enums: what a host that casts a wire number, or any other mistake, hands Core.
        var (maas, _) = Create();
        var request = new ApiKeySearchRequest
        {
            Statuses = field == "filters.status" ? [(ApiKeyStatus)42] : [],
            SortBy = sortBy is { } by ? (ApiKeySortField)by : ApiKeySortField.CreatedAt,
            SortOrder = order is { } direction ? (ApiKeySortOrder)direction : ApiKeySortOrder.Descending,
            Limit = limit,
            Cursor = cursor,
        };

        var error = await Assert.ThrowsAsync<InvalidRequestException>(async () => await maas.Administration.SearchAsync(Alice, request));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task An_admin_reads_and_revokes_anyones_key_in_its_owners_name_and_others_do_not_see_it()
    {
        var (maas, signal) = Create();
        var events = new List<RevocationEvent>();
        using var subscription = signal.Subscribe(events.Add);
        var created = await maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "b", Labels = new Dictionary<string, string> { ["env"] = "prod" } });

        Assert.Null(await maas.ApiKeys.GetAsync(Alice, created.Record.Id));
        Assert.False(await maas.ApiKeys.RevokeAsync(Alice, created.Record.Id));
        Assert.Equal("prod", (await maas.ApiKeys.GetAsync(Root, created.Record.Id))!.Labels["env"]);
        Assert.True(await maas.ApiKeys.RevokeAsync(Root, created.Record.Id));
        Assert.False(await maas.ApiKeys.RevokeAsync(Root, "missing"));

        var revocation = Assert.Single(events);
        Assert.Equal(("bob", created.Record.Id), (revocation.Owner, revocation.KeyId));
        Assert.Equal(ApiKeyStatus.Revoked, (await maas.ApiKeys.GetAsync(Bob, created.Record.Id))!.StatusAt(maas.Now));
    }

    [Fact]
    public async Task Bulk_revoke_targets_oneself_or_needs_an_admin_and_announces_each_revoked_key()
    {
        var (maas, signal) = Create();
        var events = new List<RevocationEvent>();
        using var subscription = signal.Subscribe(events.Add);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = $"k{i}" })).Record.Id);
        }

        await Assert.ThrowsAsync<AdministratorRequiredException>(async () => await maas.Administration.BulkRevokeAsync(Bob, "alice", dryRun: true));
        Assert.Equal("username", (await Assert.ThrowsAsync<InvalidRequestException>(async () => await maas.Administration.BulkRevokeAsync(Alice, " ", dryRun: true))).Field);

        Assert.Equal(new BulkRevocation("alice", 3, true), await maas.Administration.BulkRevokeAsync(Alice, "alice", dryRun: true));
        Assert.Empty(events);
        Assert.Equal(new BulkRevocation("alice", 3, false), await maas.Administration.BulkRevokeAsync(Root, "alice", dryRun: false));
        Assert.Equal(ids.Order(StringComparer.Ordinal), events.Select(e => e.KeyId!).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal("alice", e.Owner));
        Assert.Equal(0, (await maas.Administration.BulkRevokeAsync(Alice, "alice", dryRun: false)).RevokedCount);
    }

    [Fact]
    public async Task An_administrators_api_key_manages_its_owners_keys_and_every_administrator_action_is_403_saying_why()
    {
        var (maas, signal) = Create();
        var events = new List<RevocationEvent>();
        using var subscription = signal.Subscribe(events.Add);
        var bobs = await maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "b" });
        var roots = await maas.ApiKeys.CreateAsync(Root, new ApiKeyRequest { Name = "r" });

        Assert.False(maas.Administrators.Includes(RootsKey));
        await AssertRefusedAsync(async () => await maas.Administration.SearchAsync(RootsKey, new() { Username = "bob" }));
        await AssertRefusedAsync(async () => await maas.ApiKeys.GetAsync(RootsKey, bobs.Record.Id));
        await AssertRefusedAsync(async () => await maas.ApiKeys.GetAsync(RootsKey, "0000000000000000A"));
        await AssertRefusedAsync(async () => await maas.ApiKeys.RevokeAsync(RootsKey, bobs.Record.Id));
        await AssertRefusedAsync(async () => await maas.Administration.BulkRevokeAsync(RootsKey, "bob", dryRun: false));
        await AssertRefusedAsync(async () => await maas.Audit.ReadAsync(RootsKey, new AuditQuery()));
        Assert.Empty(events);
        Assert.Equal(ApiKeyStatus.Active, (await maas.ApiKeys.GetAsync(Bob, bobs.Record.Id))!.StatusAt(maas.Now));

        // Its owner's own keys: searched (no username: its owner's, not everyone's), read and revoked as any user's.
        Assert.Equal([roots.Record.Id], (await maas.Administration.SearchAsync(RootsKey, new())).Keys.Select(k => k.Id));
        Assert.Equal([roots.Record.Id], (await maas.Administration.SearchAsync(RootsKey, new() { Username = "root" })).Keys.Select(k => k.Id));
        Assert.Equal("r", (await maas.ApiKeys.GetAsync(RootsKey, roots.Record.Id))!.Name);
        Assert.True(await maas.ApiKeys.RevokeAsync(RootsKey, roots.Record.Id));
        Assert.Equal(0, (await maas.Administration.BulkRevokeAsync(RootsKey, "root", dryRun: true)).RevokedCount);

        // The same person signed in live is an administrator.
        Assert.True(maas.Administrators.Includes(Root));
        Assert.Equal("b", (await maas.ApiKeys.GetAsync(Root, bobs.Record.Id))!.Name);
    }

    [Fact]
    public async Task A_key_without_an_administrator_group_still_gets_404_for_another_users_key()
    {
        var (maas, _) = Create();
        var bobs = await maas.ApiKeys.CreateAsync(Bob, new ApiKeyRequest { Name = "b" });
        var alicesKey = Alice with { FromApiKey = true };

        Assert.Null(await maas.ApiKeys.GetAsync(alicesKey, bobs.Record.Id));
        Assert.False(await maas.ApiKeys.RevokeAsync(alicesKey, bobs.Record.Id));
    }

    [Fact]
    public async Task Reading_the_audit_trail_directly_needs_an_administrator()
    {
        var (maas, _) = Create();
        await maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "a" });

        var refusal = await Assert.ThrowsAsync<AdministratorRequiredException>(async () => await maas.Audit.ReadAsync(Alice, new AuditQuery()));
        Assert.Equal("Only administrators may read the audit trail.", refusal.Message);
        Assert.Single((await maas.Audit.ReadAsync(Root, new AuditQuery())).Entries);
    }

    private static async Task AssertRefusedAsync(Func<Task> action)
    {
        var refusal = await Assert.ThrowsAsync<AdministratorRequiredException>(action);
        Assert.EndsWith(AdministratorRequiredException.ApiKeyReason, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_over_the_limits_are_refused_before_anything_is_stored()
    {
        var (maas, _) = Create();
        var tooMany = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", _ => "v");

        Assert.Equal("labels", (await Assert.ThrowsAsync<InvalidRequestException>(async () =>
            await maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "x", Labels = tooMany }))).Field);
        Assert.Equal("labels.k", (await Assert.ThrowsAsync<InvalidRequestException>(async () =>
            await maas.ApiKeys.CreateAsync(Alice, new ApiKeyRequest { Name = "x", Labels = new Dictionary<string, string> { ["k"] = new string('v', 1025) } }))).Field);
        Assert.Empty(await maas.ApiKeys.ListAsync(Alice));
    }
}
