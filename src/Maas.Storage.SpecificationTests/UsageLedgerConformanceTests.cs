using Maas.Usage;

namespace Maas.Storage.SpecificationTests;

/// <summary>
/// Everything <see cref="IUsageLedger"/> promises, run against every store: subclass it and return a
/// fresh, empty ledger from <see cref="CreateLedgerAsync"/>. Two ledgers returned for the same
/// <c>shared</c> name are two replicas' views of one store (for a store kept in process, the same
/// instance). Hours are fixed instants; nothing here sleeps or reads the clock.
/// </summary>
public abstract class UsageLedgerConformanceTests : IAsyncLifetime
{
    /// <summary>A whole hour, the first of a month (2025-03-01T00:00Z), that every test counts from.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a fresh, empty ledger; called once or more per test.</summary>
    protected abstract Task<IUsageLedger> CreateLedgerAsync();

    /// <summary>
    /// Opens a second view of <paramref name="ledger"/>'s store, as another replica would (a new
    /// connection to the same database); a store kept in process returns <paramref name="ledger"/>.
    /// </summary>
    protected virtual Task<IUsageLedger> OpenAnotherReplicaAsync(IUsageLedger ledger) => Task.FromResult(ledger);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An increment of <paramref name="hours"/> after <see cref="Start"/>.</summary>
    public static UsageIncrement Increment(
        double hours, string user = "alice", string credential = "key-1", string model = "granite", UsageOutcome outcome = UsageOutcome.Allowed,
        long requests = 1, long prompt = 10, long completion = 5, IReadOnlyDictionary<string, string>? labels = null, string tier = "free") => new()
    {
        Hour = UsageIncrement.HourOf(Start.AddHours(hours)),
        User = user,
        Credential = credential,
        Tier = tier,
        Model = model,
        Outcome = outcome,
        Labels = labels ?? new Dictionary<string, string>(),
        Requests = requests,
        PromptTokens = prompt,
        CompletionTokens = completion,
    };

    /// <summary>A batch of <paramref name="increments"/> with a new id.</summary>
    public static UsageBatch Batch(params UsageIncrement[] increments) => new() { Id = Guid.NewGuid(), Increments = increments };

    private static UsageQuery Query(UsageGranularity granularity = UsageGranularity.Day, UsageGrouping groupBy = UsageGrouping.Model, string? label = null, string user = "alice", double fromHours = 0, double toHours = 24 * 90) => new()
    {
        User = user,
        From = Start.AddHours(fromHours),
        To = Start.AddHours(toHours),
        Granularity = granularity,
        GroupBy = groupBy,
        Label = label,
    };

    [Fact]
    public async Task Appended_increments_read_back_summed_per_day_and_model()
    {
        var ledger = await CreateLedgerAsync();

        Assert.True(await ledger.AppendAsync(Batch(Increment(1), Increment(2, model: "llama", prompt: 7, completion: 3), Increment(3, requests: 2, prompt: 20, completion: 9))));
        var buckets = await ledger.QueryAsync(Query());

        Assert.Equal(
            [
                new UsageBucket { Start = Start, Group = "granite", Requests = 3, PromptTokens = 30, CompletionTokens = 14 },
                new UsageBucket { Start = Start, Group = "llama", Requests = 1, PromptTokens = 7, CompletionTokens = 3 },
            ],
            buckets);
        Assert.Equal(44, buckets[0].TotalTokens);
        Assert.All(buckets, b => Assert.Equal(TimeSpan.Zero, b.Start.Offset));
    }

    [Fact]
    public async Task Each_replica_adds_its_own_increments_to_the_same_row()
    {
        var ledger = await CreateLedgerAsync();
        var other = await OpenAnotherReplicaAsync(ledger);

        await ledger.AppendAsync(Batch(Increment(1, requests: 3, prompt: 30, completion: 15)));
        await other.AppendAsync(Batch(Increment(1, requests: 4, prompt: 40, completion: 20)));
        await ledger.AppendAsync(Batch(Increment(1, requests: 5, prompt: 50, completion: 25)));

        var bucket = Assert.Single(await other.QueryAsync(Query(UsageGranularity.Hour)));
        Assert.Equal(new UsageBucket { Start = Start.AddHours(1), Group = "granite", Requests = 12, PromptTokens = 120, CompletionTokens = 60 }, bucket);
    }

    [Fact]
    public async Task A_batch_sent_again_is_added_once_whichever_replica_sends_it()
    {
        var ledger = await CreateLedgerAsync();
        var other = await OpenAnotherReplicaAsync(ledger);
        var batch = Batch(Increment(1, requests: 2, prompt: 20, completion: 10), Increment(1, model: "llama"));

        Assert.True(await ledger.AppendAsync(batch));
        Assert.False(await ledger.AppendAsync(batch));
        Assert.False(await other.AppendAsync(new UsageBatch { Id = batch.Id, Increments = [Increment(1, requests: 100)] }));

        var buckets = await ledger.QueryAsync(Query());
        Assert.Equal([2L, 1L], buckets.Select(b => b.Requests));
        Assert.Equal(20, buckets[0].PromptTokens);
    }

    [Fact]
    public async Task Hours_days_and_months_sum_their_calendar_periods_in_utc()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(0),
            Increment(0.5, credential: "key-2"),
            Increment(23),
            Increment(24),
            Increment((24 * 31) - 1), // 2025-03-31T23:00Z
            Increment(24 * 31))); // 2025-04-01T00:00Z

        var hours = await ledger.QueryAsync(Query(UsageGranularity.Hour));
        var days = await ledger.QueryAsync(Query(UsageGranularity.Day));
        var months = await ledger.QueryAsync(Query(UsageGranularity.Month));

        Assert.Equal(
            [(Start, 2L), (Start.AddHours(23), 1L), (Start.AddHours(24), 1L), (Start.AddHours((24 * 31) - 1), 1L), (Start.AddDays(31), 1L)],
            hours.Select(b => (b.Start, b.Requests)));
        Assert.Equal(
            [(Start, 3L), (Start.AddDays(1), 1L), (Start.AddDays(30), 1L), (Start.AddDays(31), 1L)],
            days.Select(b => (b.Start, b.Requests)));
        Assert.Equal([(Start, 5L), (new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero), 1L)], months.Select(b => (b.Start, b.Requests)));
    }

    [Fact]
    public async Task Usage_groups_by_key_and_by_a_label_with_calls_without_the_label_together()
    {
        var ledger = await CreateLedgerAsync();
        var search = new Dictionary<string, string> { ["team"] = "search", ["env"] = "ci" };
        var chat = new Dictionary<string, string> { ["team"] = "chat" };
        await ledger.AppendAsync(Batch(
            Increment(1, credential: "key-a", labels: search, requests: 2),
            Increment(2, credential: "key-b", labels: chat, requests: 3),
            Increment(3, credential: "key-c", labels: search, requests: 4, model: "llama"),
            Increment(4, credential: UsageIncrement.TokenCredential, requests: 5)));

        var byKey = await ledger.QueryAsync(Query(groupBy: UsageGrouping.Key));
        var byTeam = await ledger.QueryAsync(Query(groupBy: UsageGrouping.Label, label: "team"));
        var byEnv = await ledger.QueryAsync(Query(groupBy: UsageGrouping.Label, label: "env"));

        Assert.Equal([("key-a", 2L), ("key-b", 3L), ("key-c", 4L), ("token", 5L)], byKey.Select(b => (b.Group, b.Requests)));
        Assert.Equal([(null, 5L), ("chat", 3L), ("search", 6L)], byTeam.Select(b => (b.Group, b.Requests)));
        Assert.Equal([(null, 8L), ("ci", 6L)], byEnv.Select(b => (b.Group, b.Requests)));
    }

    [Fact]
    public async Task Limited_and_failed_calls_are_counted_apart_within_the_requests()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(1, requests: 5, prompt: 50, completion: 25),
            Increment(1, outcome: UsageOutcome.Limited, requests: 3, prompt: 0, completion: 0),
            Increment(1, outcome: UsageOutcome.UpstreamError, requests: 2, prompt: 4, completion: 0)));

        var bucket = Assert.Single(await ledger.QueryAsync(Query()));

        Assert.Equal(new UsageBucket { Start = Start, Group = "granite", Requests = 10, LimitedRequests = 3, FailedRequests = 2, PromptTokens = 54, CompletionTokens = 25 }, bucket);
    }

    [Fact]
    public async Task Only_the_user_and_the_range_asked_for_are_read()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(1, requests: 1),
            Increment(1, user: "bob", requests: 100),
            Increment(1, user: "alice2", requests: 100),
            Increment(5, requests: 10),
            Increment(9, requests: 1000)));

        var buckets = await ledger.QueryAsync(Query(UsageGranularity.Month, fromHours: 1, toHours: 9));

        Assert.Equal(11, Assert.Single(buckets).Requests);
        Assert.Empty(await ledger.QueryAsync(Query(user: "carol")));
    }

    [Fact]
    public async Task Counts_saturate_at_the_largest_long_instead_of_wrapping()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(Increment(1, requests: long.MaxValue - 1, prompt: long.MaxValue, completion: long.MaxValue - 5)));
        await ledger.AppendAsync(Batch(Increment(1, requests: 5, prompt: 1, completion: 3), Increment(2, requests: long.MaxValue, prompt: 1, completion: 1)));

        var hours = await ledger.QueryAsync(Query(UsageGranularity.Hour));
        var day = Assert.Single(await ledger.QueryAsync(Query()));

        Assert.Equal(long.MaxValue, hours[0].Requests);
        Assert.Equal(long.MaxValue, hours[0].PromptTokens);
        Assert.Equal(long.MaxValue - 2, hours[0].CompletionTokens);
        Assert.Equal(long.MaxValue, hours[0].TotalTokens);
        Assert.Equal(long.MaxValue, day.Requests);
        Assert.Equal(long.MaxValue, day.PromptTokens);
        Assert.Equal(long.MaxValue - 1, day.CompletionTokens);
    }

    [Fact]
    public async Task The_retention_sweep_removes_the_hours_before_the_cutoff_only()
    {
        var ledger = await CreateLedgerAsync();
        var old = Batch(Increment(1), Increment(2));
        await ledger.AppendAsync(old);
        await ledger.AppendAsync(Batch(Increment(3), Increment(30)));

        Assert.Equal(2, await ledger.DeleteBeforeAsync(Start.AddHours(3)));
        Assert.Equal(0, await ledger.DeleteBeforeAsync(Start.AddHours(3)));

        var hours = await ledger.QueryAsync(Query(UsageGranularity.Hour));
        Assert.Equal([Start.AddHours(3), Start.AddHours(30)], hours.Select(b => b.Start));
    }

    [Fact]
    public async Task An_increment_that_is_not_whole_or_counts_below_zero_is_refused_and_nothing_is_added()
    {
        var ledger = await CreateLedgerAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.AppendAsync(Batch(Increment(1), Increment(2) with { Hour = Start.AddMinutes(1) })));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.AppendAsync(Batch(Increment(1), Increment(2, requests: -1))));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.AppendAsync(Batch()));

        Assert.Empty(await ledger.QueryAsync(Query()));
    }

    private static UsageReportQuery Report(UsageReportGrouping groupBy = UsageReportGrouping.User, string? label = null, double fromHours = 0, double toHours = 24 * 90, int limit = UsageReportQuery.DefaultLimit) => new()
    {
        From = Start.AddHours(fromHours),
        To = Start.AddHours(toHours),
        GroupBy = groupBy,
        Label = label,
        Limit = limit,
    };

    [Fact]
    public async Task The_report_sums_every_user_per_group_most_tokens_first_then_by_group()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(1, user: "alice", model: "granite", prompt: 10, completion: 5),
            Increment(30, user: "alice", model: "llama", prompt: 100, completion: 0, tier: "premium"),
            Increment(2, user: "bob", model: "granite", prompt: 50, completion: 65, requests: 3),
            Increment(3, user: "carol", model: "granite", outcome: UsageOutcome.Limited, prompt: 0, completion: 0, requests: 4),
            Increment(3, user: "carol", model: "granite", outcome: UsageOutcome.UpstreamError, prompt: 2, completion: 0, requests: 2),
            Increment(4, user: "dave", model: "llama", prompt: 100, completion: 15)));

        var byUser = await ledger.ReportAsync(Report());
        var byModel = await ledger.ReportAsync(Report(UsageReportGrouping.Model));
        var byTier = await ledger.ReportAsync(Report(UsageReportGrouping.Tier));

        // bob and dave tie at 115 tokens: the group's name orders them.
        Assert.Equal(
            [
                new UsageReportEntry { Group = "alice", Requests = 2, PromptTokens = 110, CompletionTokens = 5 },
                new UsageReportEntry { Group = "bob", Requests = 3, PromptTokens = 50, CompletionTokens = 65 },
                new UsageReportEntry { Group = "dave", Requests = 1, PromptTokens = 100, CompletionTokens = 15 },
                new UsageReportEntry { Group = "carol", Requests = 6, LimitedRequests = 4, FailedRequests = 2, PromptTokens = 2, CompletionTokens = 0 },
            ],
            byUser.Entries);
        Assert.Null(byUser.Next);
        Assert.Equal([("llama", 215L), ("granite", 132L)], byModel.Entries.Select(e => (e.Group, e.TotalTokens)));
        Assert.Equal([("free", 247L), ("premium", 100L)], byTier.Entries.Select(e => (e.Group, e.TotalTokens)));
    }

    [Fact]
    public async Task The_report_groups_by_a_label_with_calls_without_it_together_first_among_equals()
    {
        var ledger = await CreateLedgerAsync();
        var search = new Dictionary<string, string> { ["team"] = "search" };
        var chat = new Dictionary<string, string> { ["team"] = "chat" };
        await ledger.AppendAsync(Batch(
            Increment(1, user: "alice", credential: "key-a", labels: search, prompt: 40, completion: 0),
            Increment(1, user: "bob", credential: "key-b", labels: search, prompt: 60, completion: 0),
            Increment(2, user: "carol", credential: "key-c", labels: chat, prompt: 30, completion: 0),
            Increment(3, user: "dave", credential: UsageIncrement.TokenCredential, prompt: 20, completion: 10)));

        var page = await ledger.ReportAsync(Report(UsageReportGrouping.Label, "team"));

        Assert.Equal([("search", 100L), (null, 30L), ("chat", 30L)], page.Entries.Select(e => (e.Group, e.TotalTokens)));
    }

    [Fact]
    public async Task The_report_counts_only_the_range_and_the_user_model_and_tier_asked_for()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(0, user: "alice", model: "granite", prompt: 1, completion: 0),
            Increment(5, user: "alice", model: "granite", prompt: 10, completion: 0),
            Increment(5, user: "alice", model: "llama", prompt: 100, completion: 0),
            Increment(6, user: "alice", model: "granite", prompt: 1000, completion: 0, tier: "premium"),
            Increment(6, user: "alice2", model: "granite", prompt: 10000, completion: 0),
            Increment(9, user: "alice", model: "granite", prompt: 100000, completion: 0)));
        var range = Report(UsageReportGrouping.Model, fromHours: 1, toHours: 9);

        var all = await ledger.ReportAsync(range);
        var alice = await ledger.ReportAsync(range with { User = "alice" });
        var aliceFree = await ledger.ReportAsync(range with { User = "alice", Tier = "free" });
        var aliceLlama = await ledger.ReportAsync(range with { User = "alice", Model = "llama", GroupBy = UsageReportGrouping.User });

        Assert.Equal([("granite", 11010L), ("llama", 100L)], all.Entries.Select(e => (e.Group, e.TotalTokens)));
        Assert.Equal([("granite", 1010L), ("llama", 100L)], alice.Entries.Select(e => (e.Group, e.TotalTokens)));
        Assert.Equal([("llama", 100L), ("granite", 10L)], aliceFree.Entries.Select(e => (e.Group, e.TotalTokens)));
        Assert.Equal([("alice", 100L)], aliceLlama.Entries.Select(e => (e.Group, e.TotalTokens)));
        Assert.Empty((await ledger.ReportAsync(range with { User = "carol" })).Entries);
    }

    [Fact]
    public async Task Report_pages_continue_after_the_last_entry_without_repeating_or_skipping_a_group()
    {
        var ledger = await CreateLedgerAsync();
        var team = (string value) => new Dictionary<string, string> { ["team"] = value };
        await ledger.AppendAsync(Batch(
            Increment(1, user: "u1", credential: "k1", labels: team("b"), prompt: 50, completion: 0),
            Increment(1, user: "u2", credential: "k2", labels: team("a"), prompt: 50, completion: 0),
            Increment(1, user: "u3", credential: "token", prompt: 50, completion: 0),
            Increment(1, user: "u4", credential: "k4", labels: team("c"), prompt: 90, completion: 0),
            Increment(1, user: "u5", credential: "k5", labels: team("d"), prompt: 10, completion: 0)));
        var query = Report(UsageReportGrouping.Label, "team", limit: 2);

        var seen = new List<(string?, long)>();
        UsageReportPosition? after = null;
        for (var pages = 1; ; pages++)
        {
            var page = await ledger.ReportAsync(query with { After = after });
            Assert.InRange(page.Entries.Count, 1, 2);
            seen.AddRange(page.Entries.Select(e => (e.Group, e.TotalTokens)));
            if (page.Next is not { } next)
            {
                Assert.Equal(3, pages);
                break;
            }

            Assert.Equal(page.Entries[^1].Position, next);
            after = next;
        }

        Assert.Equal([("c", 90L), (null, 50L), ("a", 50L), ("b", 50L), ("d", 10L)], seen);
        var exact = await ledger.ReportAsync(query with { Limit = 5 });
        Assert.Null(exact.Next);
        Assert.Empty((await ledger.ReportAsync(query with { After = new UsageReportPosition(10, "d") })).Entries);
    }

    [Fact]
    public async Task Report_sums_saturate_at_the_largest_long_instead_of_wrapping()
    {
        var ledger = await CreateLedgerAsync();
        await ledger.AppendAsync(Batch(
            Increment(1, user: "alice", requests: long.MaxValue, prompt: long.MaxValue - 10, completion: 0),
            Increment(2, user: "alice", requests: 5, prompt: 100, completion: long.MaxValue),
            Increment(2, user: "bob", requests: 1, prompt: 1, completion: 1)));

        var page = await ledger.ReportAsync(Report());

        var alice = page.Entries[0];
        Assert.Equal(("alice", long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue), (alice.Group, alice.Requests, alice.PromptTokens, alice.CompletionTokens, alice.TotalTokens));
        Assert.Equal(("bob", 2L), (page.Entries[1].Group, page.Entries[1].TotalTokens));
    }

    [Fact]
    public async Task A_report_query_out_of_range_is_refused()
    {
        var ledger = await CreateLedgerAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report(limit: 0)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report(limit: UsageReportQuery.MaxLimit + 1)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report(toHours: (24 * 400) + 1)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report(fromHours: 5, toHours: 5)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report(UsageReportGrouping.Label)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ledger.ReportAsync(Report() with { User = "" }));
    }
}
