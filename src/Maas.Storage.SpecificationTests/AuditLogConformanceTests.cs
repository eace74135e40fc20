using Maas.Auditing;

namespace Maas.Storage.SpecificationTests;

/// <summary>
/// Everything <see cref="IAuditLog"/> promises, run against every store: subclass it and return a
/// fresh, empty audit trail from <see cref="CreateAuditLogAsync"/>. Instants carry microsecond
/// digits (what the SQL stores keep); nothing here sleeps or reads the clock.
/// </summary>
public abstract class AuditLogConformanceTests : IAsyncLifetime
{
    /// <summary>Creates a fresh, empty audit trail; called once or more per test.</summary>
    protected abstract Task<IAuditLog> CreateAuditLogAsync();

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An entry at <see cref="TestKeys.Epoch"/> plus <paramref name="minutes"/>.</summary>
    public static AuditEntry Entry(
        double minutes, AuditAction action = AuditAction.Create, string actor = "alice", string subject = "alice", string? keyId = "key-1",
        string? replacedKeyId = null, int? count = null) => new()
    {
        At = TestKeys.Epoch.AddMinutes(minutes),
        Action = action,
        Actor = actor,
        Subject = subject,
        KeyId = keyId,
        ReplacedKeyId = replacedKeyId,
        Count = count,
        RequestId = "0af7651916cd43dd8448eb211c80319c",
        ClientAddress = "2001:db8::1",
    };

    [Fact]
    public async Task Appended_entry_reads_back_with_every_field()
    {
        var log = await CreateAuditLogAsync();
        var entry = Entry(1, AuditAction.Rotate, actor: "root", subject: "alice", keyId: "new", replacedKeyId: "old");
        var bulk = Entry(2, AuditAction.BulkRevoke, actor: "root", subject: "bob", keyId: null, count: 7) with { RequestId = null, ClientAddress = null };

        await log.AppendAsync(entry);
        await log.AppendAsync(bulk);
        var page = await log.QueryAsync(new AuditQuery());

        Assert.Equal(2, page.Entries.Count);
        Assert.Equal(bulk with { Sequence = page.Entries[0].Sequence }, page.Entries[0]);
        Assert.Equal(entry with { Sequence = page.Entries[1].Sequence }, page.Entries[1]);
        Assert.Equal(TimeSpan.Zero, page.Entries[0].At.Offset);
        Assert.True(page.Entries[0].Sequence > page.Entries[1].Sequence);
        Assert.True(page.Entries[1].Sequence > 0);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Every_action_round_trips()
    {
        var log = await CreateAuditLogAsync();
        var actions = Enum.GetValues<AuditAction>();
        for (var i = 0; i < actions.Length; i++)
        {
            await log.AppendAsync(Entry(i, actions[i]));
        }

        var page = await log.QueryAsync(new AuditQuery());

        Assert.Equal(actions.Reverse(), page.Entries.Select(e => e.Action));
    }

    [Fact]
    public async Task Entries_come_newest_first_by_instant_then_by_sequence()
    {
        var log = await CreateAuditLogAsync();
        await log.AppendAsync(Entry(5, keyId: "late"));
        await log.AppendAsync(Entry(1, keyId: "early"));
        await log.AppendAsync(Entry(5, keyId: "late-second"));

        var page = await log.QueryAsync(new AuditQuery());

        Assert.Equal(["late-second", "late", "early"], page.Entries.Select(e => e.KeyId));
    }

    [Fact]
    public async Task Filters_by_actor_subject_action_and_key_match_exactly()
    {
        var log = await CreateAuditLogAsync();
        await log.AppendAsync(Entry(1, AuditAction.Create, actor: "alice", subject: "alice", keyId: "k1"));
        await log.AppendAsync(Entry(2, AuditAction.Revoke, actor: "root", subject: "alice", keyId: "k1"));
        await log.AppendAsync(Entry(3, AuditAction.Rotate, actor: "alice", subject: "alice", keyId: "k2", replacedKeyId: "k1"));
        await log.AppendAsync(Entry(4, AuditAction.RevokeAll, actor: "bob", subject: "bob", keyId: null, count: 2));
        await log.AppendAsync(Entry(5, AuditAction.Create, actor: "Alice", subject: "Alice", keyId: "K1"));

        async Task<double[]> Minutes(AuditQuery query) =>
            [.. (await log.QueryAsync(query)).Entries.Select(e => (e.At - TestKeys.Epoch).TotalMinutes)];

        Assert.Equal(new double[] { 3, 1 }, await Minutes(new AuditQuery { Actor = "alice" }));
        Assert.Equal(new double[] { 3, 2, 1 }, await Minutes(new AuditQuery { Subject = "alice" }));
        Assert.Equal(new double[] { 4 }, await Minutes(new AuditQuery { Action = AuditAction.RevokeAll }));
        Assert.Equal(new double[] { 3, 2, 1 }, await Minutes(new AuditQuery { KeyId = "k1" }));
        Assert.Equal(new double[] { 3 }, await Minutes(new AuditQuery { KeyId = "k2" }));
        Assert.Equal(new double[] { 2 }, await Minutes(new AuditQuery { Actor = "root", Subject = "alice", Action = AuditAction.Revoke, KeyId = "k1" }));
        Assert.Empty(await Minutes(new AuditQuery { Actor = "nobody" }));
    }

    [Fact]
    public async Task Since_is_inclusive_and_until_exclusive_to_the_microsecond()
    {
        var log = await CreateAuditLogAsync();
        for (var i = 0; i < 5; i++)
        {
            await log.AppendAsync(Entry(i));
        }

        var page = await log.QueryAsync(new AuditQuery { Since = TestKeys.Epoch.AddMinutes(1), Until = TestKeys.Epoch.AddMinutes(3) });
        var justAfter = await log.QueryAsync(new AuditQuery { Since = TestKeys.Epoch.AddMinutes(1).AddTicks(10) });

        Assert.Equal([2.0, 1.0], page.Entries.Select(e => (e.At - TestKeys.Epoch).TotalMinutes));
        Assert.Equal([4.0, 3.0, 2.0], justAfter.Entries.Select(e => (e.At - TestKeys.Epoch).TotalMinutes));
    }

    [Fact]
    public async Task Cursor_pages_cover_every_entry_once_even_with_equal_instants_and_appends_meanwhile()
    {
        var log = await CreateAuditLogAsync();
        for (var i = 0; i < 23; i++)
        {
            // Three entries share each instant: the sequence must break the tie.
            await log.AppendAsync(Entry(i / 3, keyId: $"k{i}"));
        }

        var seen = new List<AuditEntry>();
        AuditPosition? after = null;
        var pages = 0;
        do
        {
            var page = await log.QueryAsync(new AuditQuery { Limit = 5, After = after });
            Assert.True(page.Entries.Count <= 5);
            seen.AddRange(page.Entries);
            after = page.Next;
            pages++;

            // Newer entries appended while paging belong before the cursor: they never appear, nothing shifts.
            await log.AppendAsync(Entry(100 + pages, keyId: "appended-meanwhile"));
        }
        while (after is not null);

        Assert.Equal(5, pages);
        Assert.Equal(23, seen.Count);
        Assert.Equal(23, seen.Select(e => e.Sequence).Distinct().Count());
        Assert.DoesNotContain(seen, e => e.KeyId == "appended-meanwhile");
        Assert.Equal(seen.OrderByDescending(e => e.At).ThenByDescending(e => e.Sequence), seen);
    }

    [Fact]
    public async Task A_page_that_ends_exactly_at_the_last_entry_says_there_is_no_more()
    {
        var log = await CreateAuditLogAsync();
        for (var i = 0; i < 4; i++)
        {
            await log.AppendAsync(Entry(i));
        }

        var first = await log.QueryAsync(new AuditQuery { Limit = 2 });
        var second = await log.QueryAsync(new AuditQuery { Limit = 2, After = first.Next });
        var whole = await log.QueryAsync(new AuditQuery { Limit = 4 });

        Assert.NotNull(first.Next);
        Assert.Equal(2, second.Entries.Count);
        Assert.Null(second.Next);
        Assert.Null(whole.Next);
        Assert.Equal(4, whole.Entries.Count);
    }

    [Fact]
    public async Task Filters_and_cursor_combine()
    {
        var log = await CreateAuditLogAsync();
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsync(Entry(i, subject: i % 2 == 0 ? "alice" : "bob"));
        }

        var first = await log.QueryAsync(new AuditQuery { Subject = "alice", Limit = 2 });
        var second = await log.QueryAsync(new AuditQuery { Subject = "alice", Limit = 2, After = first.Next });

        Assert.Equal([8.0, 6.0], first.Entries.Select(e => (e.At - TestKeys.Epoch).TotalMinutes));
        Assert.Equal([4.0, 2.0], second.Entries.Select(e => (e.At - TestKeys.Epoch).TotalMinutes));
    }

    [Fact]
    public async Task Parallel_appends_lose_nothing_and_get_distinct_sequences()
    {
        var log = await CreateAuditLogAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () => await log.AppendAsync(Entry(i, keyId: $"k{i}")))));

        var page = await log.QueryAsync(new AuditQuery { Limit = AuditQuery.MaxLimit });
        Assert.Equal(40, page.Entries.Count);
        Assert.Equal(40, page.Entries.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(40, page.Entries.Select(e => e.KeyId).Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(AuditQuery.MaxLimit + 1)]
    public async Task A_limit_outside_1_to_100_is_refused(int limit)
    {
        var log = await CreateAuditLogAsync();
        await log.AppendAsync(Entry(1));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.QueryAsync(new AuditQuery { Limit = limit }));
    }
}
