using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.ApiKeys;

/// <summary>
/// Ephemeral keys in the service: a token's lifetime bounds, hidden from the owner's listing, not
/// rotated, and swept by the hosted sweeper on the host's clock once expiry and grace have passed.
/// </summary>
public sealed class EphemeralKeySweeperTests : IAsyncDisposable
{
    private static readonly MaasUser Alice = new("alice", ["system:authenticated"]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;

    public EphemeralKeySweeperTests()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore().UseInMemoryStorage();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock));
        services.Configure<MaasOptions>(o => o.ApiKeys.Ephemeral.BatchSize = 2);
        _services = services.BuildServiceProvider();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private ApiKeyService Keys => _services.GetRequiredService<ApiKeyService>();

    private IKeyStore Store => _services.GetRequiredService<IKeyStore>();

    [Fact]
    public async Task An_ephemeral_key_lives_an_hour_by_default_at_most_the_token_maximum_and_gets_a_name_when_it_has_none()
    {
        var key = await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "", Ephemeral = true });
        Assert.True(key.Record.Ephemeral);
        Assert.Equal(TimeSpan.FromHours(1), key.Record.ExpiresAt - key.Record.CreatedAt);
        Assert.StartsWith("ephemeral-", key.Record.Name, StringComparison.Ordinal);

        var longest = await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "ci", Ephemeral = true, Expiration = GoDuration.FromHours(24) });
        Assert.Equal(TimeSpan.FromHours(24), longest.Record.ExpiresAt - longest.Record.CreatedAt);

        var tooLong = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
            await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "ci", Ephemeral = true, Expiration = GoDuration.Parse("24h0m1s") }));
        Assert.Equal("expiration", tooLong.Field);
        Assert.Contains("ephemeral_max_expiration", tooLong.Message, StringComparison.Ordinal);

        // A blank name is still refused: only a missing one is made up.
        Assert.Equal("name", (await Assert.ThrowsAsync<InvalidRequestException>(async () =>
            await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "  ", Ephemeral = true }))).Field);

        // An ordinary key may still live 30 days: the token bound applies to ephemeral keys only.
        var ordinary = await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "long", Expiration = GoDuration.FromHours(720) });
        Assert.False(ordinary.Record.Ephemeral);
    }

    [Fact]
    public async Task The_owners_listing_leaves_ephemeral_keys_out_and_they_are_not_rotated()
    {
        var ephemeral = await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "short", Ephemeral = true });
        var ordinary = await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "long" });

        Assert.Equal([ordinary.Record.Id], (await Keys.ListAsync(Alice)).Select(k => k.Id));
        Assert.True((await Keys.GetAsync(Alice, ephemeral.Record.Id))!.Ephemeral);
        await Assert.ThrowsAsync<CredentialConflictException>(async () =>
            await Keys.RotateAsync(Alice, ephemeral.Record.Id, null, Auditing.MaasRequestContext.None));
    }

    [Fact]
    public async Task The_sweeper_deletes_expired_ephemeral_keys_only_after_the_grace_on_the_hosts_clock()
    {
        var sweeper = _services.GetRequiredService<EphemeralKeySweeper>();
        long deleted = 0;
        var sweeps = 0;
        var sweptOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sweptAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sweeper.Swept += count =>
        {
            Interlocked.Increment(ref sweeps);
            sweptOnce.TrySetResult();
            if (Interlocked.Add(ref deleted, count) >= 3)
            {
                sweptAll.TrySetResult();
            }
        };

        // Three ephemeral keys of 10 minutes (more than one batch of 2) and an ordinary key that expires with them.
        var ephemeral = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ephemeral.Add((await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = $"e{i}", Ephemeral = true, Expiration = GoDuration.FromMinutes(10) })).Record.Id);
        }

        var ordinary = (await Keys.CreateAsync(Alice, new ApiKeyRequest { Name = "o", Expiration = GoDuration.FromMinutes(10) })).Record.Id;
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            // 30 minutes: expired 20 minutes ago, within the 30 minutes of grace; the sweeps delete nothing.
            _clock.Advance(TimeSpan.FromMinutes(30));
            await sweptOnce.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, Interlocked.Read(ref deleted));
            Assert.NotNull(await Store.GetAsync("alice", ephemeral[0]));

            // 45 minutes: past expiry and grace; one sweep deletes all three in two bounded batches.
            _clock.Advance(TimeSpan.FromMinutes(15));
            await sweptAll.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }

        foreach (var id in ephemeral)
        {
            Assert.Null(await Store.GetAsync("alice", id));
        }

        Assert.NotNull(await Store.GetAsync("alice", ordinary));
        Assert.Equal(3, Interlocked.Read(ref deleted));
    }

    [Fact]
    public async Task Only_an_administrator_sweeps_now()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMaasCore().UseInMemoryStorage();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock));
        services.Configure<MaasOptions>(o => o.Admins.Groups.Add("maas-admins"));
        await using var provider = services.BuildServiceProvider();
        var keys = provider.GetRequiredService<ApiKeyService>();
        var administration = provider.GetRequiredService<Administration.KeyAdministrationService>();
        await keys.CreateAsync(Alice, new ApiKeyRequest { Name = "e", Ephemeral = true, Expiration = GoDuration.FromMinutes(10) });
        _clock.Advance(TimeSpan.FromMinutes(41));

        await Assert.ThrowsAsync<AdministratorRequiredException>(async () => await administration.SweepEphemeralAsync(Alice));
        Assert.Equal(1, await administration.SweepEphemeralAsync(new MaasUser("root", ["maas-admins"])));
        Assert.Equal(0, await administration.SweepEphemeralAsync(new MaasUser("root", ["maas-admins"])));
    }
}
