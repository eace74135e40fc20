using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Gateway.Usage;
using Maas.Models;
using Maas.Testing;
using Maas.Tiers;
using Maas.Usage;
using Maas.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Maas.Gateway.Tests;

/// <summary>
/// Three gateway replicas on one real redis-server (the limits) and one real PostgreSQL (the keys and
/// the usage ledger), many users calling two models through all three at once with random token
/// counts, some refused by the limits and some failed by the upstream: after a graceful stop of every
/// replica the ledger holds exactly what the callers were answered and the upstream reported. And
/// with a monthly token budget on the tier, every replica refuses each user at the same total,
/// within one reservation of the budget.
/// </summary>
public sealed class ReplicaLedgerTests(RedisServer redis, PostgreSqlServer postgres) : IClassFixture<PostgreSqlServer>
{
    private const string OtherModelId = "test/other";
    private const int Users = 9;
    private const int CallsPerUser = 40;
    private const int WorkersPerUser = 2;
    private const int RequestsPerWindow = 30;
    private const long MonthlyTokens = 4_000;

    /// <summary>Far more calls than a budget admits (about 25 a user): a budget that never refuses fails the test rather than hangs it.</summary>
    private const int MaxCallsPerWorker = 200;

    [Fact]
    public async Task Every_replicas_calls_end_up_in_the_shared_ledger_exactly_once_with_the_upstreams_usage_per_user_model_and_outcome()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var reported = new ReportedUsage();
        upstream.Answer = reported.AnswerAsync;
        var database = await postgres.CreateDatabaseAsync();
        var databaseUrl = postgres.ConnectionUrl(new NpgsqlConnectionStringBuilder(database).Database!);
        var prefix = "replicas-" + Guid.NewGuid().ToString("N")[..8] + ":";

        var replicas = new List<GatewayServer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(await StartReplicaAsync(upstream, databaseUrl, prefix));
            }

            var keys = new List<(string User, CreatedApiKey Key)>();
            for (var u = 0; u < Users; u++)
            {
                var user = "user-" + u.ToString(CultureInfo.InvariantCulture);
                var key = await replicas[u % 3].ApiKeys.CreateAsync(new MaasUser(user, ["system:authenticated"]), new ApiKeyRequest { Name = "replicas" });
                keys.Add((user, key));
            }

            // Every caller's answers, by (user, model, outcome): calls, prompt and completion tokens.
            var answered = new ConcurrentDictionary<(string User, string Model, UsageOutcome Outcome), (long Requests, long Prompt, long Completion)>();
            var clients = replicas.Select(r => r.Client()).ToArray();
            var completed = 0;
            var workers = keys.SelectMany(k => Enumerable.Range(0, WorkersPerUser).Select(worker => Task.Run(async () =>
            {
                var random = new Random(HashCode.Combine(k.User, worker));
                for (var call = 0; call < CallsPerUser / WorkersPerUser; call++)
                {
                    // Each call through any replica; the model and max_tokens at random.
                    var client = clients[random.Next(clients.Length)];
                    var model = random.Next(2) == 0 ? GatewayServer.ModelId : OtherModelId;
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                    {
                        Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}],"max_tokens":{{random.Next(1, 64)}}}"""),
                    };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", k.Key.Key);
                    using var response = await client.SendAsync(request);
                    var (outcome, prompt, completion) = await ReadAnswerAsync(response);
                    answered.AddOrUpdate((k.User, model, outcome), (1, prompt, completion), (_, t) => (t.Requests + 1, t.Prompt + prompt, t.Completion + completion));

                    // Writes while calls are counted, so a write's take races the calls adding to the same rows.
                    if (Interlocked.Increment(ref completed) % 25 == 0)
                    {
                        await replicas[random.Next(replicas.Count)].Services.GetRequiredService<UsageLedgerWriter>().FlushAsync(CancellationToken.None);
                    }
                }
            }))).ToArray();
            await Task.WhenAll(workers);
            foreach (var client in clients)
            {
                client.Dispose();
            }

            // The graceful stop writes what each replica still holds.
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }

            replicas.Clear();

            var ledger = await ReadLedgerAsync(database);
            var expected = answered.OrderBy(e => e.Key).ToDictionary(e => e.Key, e => e.Value);
            Assert.Equal(expected, ledger);

            // Every kind of answer happened, and the callers saw exactly what the upstream reported.
            Assert.Equal(Users * CallsPerUser, expected.Values.Sum(t => t.Requests));
            Assert.Contains(expected.Keys, k => k.Outcome == UsageOutcome.Limited);
            Assert.Contains(expected.Keys, k => k.Outcome == UsageOutcome.UpstreamError);
            Assert.Equal(2, expected.Keys.Select(k => k.Model).Distinct().Count());
            Assert.Equal(
                (reported.Answers, reported.Prompt, reported.Completion),
                (expected.Where(e => e.Key.Outcome == UsageOutcome.Allowed).Sum(e => e.Value.Requests), expected.Values.Sum(t => t.Prompt), expected.Values.Sum(t => t.Completion)));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Three_replicas_refuse_every_user_at_the_same_monthly_token_total_within_one_reservation()
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        var databaseUrl = postgres.ConnectionUrl(new NpgsqlConnectionStringBuilder(database).Database!);
        var prefix = "replica-budget-" + Guid.NewGuid().ToString("N")[..8] + ":";

        // Only the monthly token budget binds: the window limits are far above what the calls reach.
        var limits = new TierLimits { Requests = 100_000, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 };
        limits.Budgets.Add(new TierBudget { Period = "month", Tokens = MonthlyTokens });
        var replicas = new List<GatewayServer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(await StartReplicaAsync(upstream.BaseAddress, databaseUrl, prefix, limits));
            }

            var keys = new List<(string User, string Key)>();
            for (var u = 0; u < Users; u++)
            {
                var user = "spender-" + u.ToString(CultureInfo.InvariantCulture);
                var key = await replicas[u % 3].ApiKeys.CreateAsync(new MaasUser(user, ["system:authenticated"]), new ApiKeyRequest { Name = "budget" });
                keys.Add((user, key.Key));
            }

            // Per user: the calls admitted and the tokens the upstream billed them, and the calls refused.
            var admitted = new ConcurrentDictionary<string, (long Calls, long Tokens)>();
            var refused = new ConcurrentDictionary<string, long>();
            foreach (var replica in replicas)
            {
                using var reader = replica.Client(keys[0].Key);
                await GatewayServer.UntilCountingAsync(reader);
            }

            var clients = replicas.Select(r => r.Client()).ToArray();

            // One call through a replica with a random prompt and max_tokens; the upstream bills 12
            // prompt tokens (fewer than the gateway's estimate of a quarter of the body) and all of
            // max_tokens, so every reservation covers its call and a correction only ever lowers a count.
            async Task<bool> CallAsync(string user, string key, int replica, Random random)
            {
                var content = string.Concat(Enumerable.Repeat("hi ", random.Next(1, 40)));
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = new StringContent($$"""{"model":"{{GatewayServer.ModelId}}","messages":[{"role":"user","content":"{{content}}"}],"max_tokens":{{random.Next(1, 300)}}}"""),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await clients[replica].SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    using var error = JsonDocument.Parse(body);
                    Assert.StartsWith(
                        $"Monthly token budget of tier 'replicas' reached: {MonthlyTokens} LLM tokens per month",
                        error.RootElement.GetProperty("error").GetProperty("message").GetString(),
                        StringComparison.Ordinal);

                    // 2026-11-26T12:00Z to the end of November in UTC, from every replica.
                    Assert.Equal("388800", response.Headers.GetValues("Retry-After").Single());
                    refused.AddOrUpdate(user, 1, (_, n) => n + 1);
                    return false;
                }

                Assert.True(response.StatusCode == HttpStatusCode.OK, $"Unexpected answer {(int)response.StatusCode}: {body}");
                using var json = JsonDocument.Parse(body);
                var total = json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
                admitted.AddOrUpdate(user, (1, total), (_, t) => (t.Calls + 1, t.Tokens + total));
                return true;
            }

            // Every user's workers call through random replicas at once until each is refused.
            await Task.WhenAll(keys.SelectMany(k => Enumerable.Range(0, WorkersPerUser + 1).Select(worker => Task.Run(async () =>
            {
                var random = new Random(HashCode.Combine(k.User, worker));
                for (var call = 0; call < MaxCallsPerWorker && await CallAsync(k.User, k.Key, random.Next(clients.Length), random); call++)
                {
                }
            }))));

            // Then each user through the three replicas in turn until all three refuse in a row: a
            // refusing acquire first applies its replica's pending corrections, so the last of the
            // three counts exactly what the upstream billed, and refuses only at the budget.
            await Task.WhenAll(keys.Select(k => Task.Run(async () =>
            {
                var random = new Random(k.User.GetHashCode(StringComparison.Ordinal));
                for (int replica = 0, refusedInARow = 0, call = 0; refusedInARow < 3 && call < MaxCallsPerWorker; replica = (replica + 1) % 3, call++)
                {
                    refusedInARow = await CallAsync(k.User, k.Key, replica, random) ? 0 : refusedInARow + 1;
                }
            })));

            foreach (var client in clients)
            {
                client.Dispose();
            }

            // The largest reservation of any call: an admitted call may pass while the count is
            // below the budget, so it may end above it by less than that call's reservation.
            var largest = replicas.SelectMany(r => r.Counter.Acquired).Max(a => a.Estimate);
            foreach (var (user, _) in keys)
            {
                var (calls, tokens) = admitted[user];
                Assert.InRange(tokens, MonthlyTokens, MonthlyTokens + largest - 1);
                Assert.True(calls > 10, $"{user} was admitted {calls} calls only");
                Assert.True(refused[user] >= WorkersPerUser + 1 + 3, $"{user} was refused {refused[user]} times");
            }

            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }

            replicas.Clear();

            // The ledger holds every call once: the admitted with what the upstream billed, the refused as limited.
            var ledger = (await ReadLedgerAsync(database)).GroupBy(e => e.Key.User).ToDictionary(
                g => g.Key,
                g => (Admitted: g.Where(e => e.Key.Outcome == UsageOutcome.Allowed).Sum(e => e.Value.Requests),
                    Tokens: g.Sum(e => e.Value.Prompt + e.Value.Completion),
                    Refused: g.Where(e => e.Key.Outcome == UsageOutcome.Limited).Sum(e => e.Value.Requests)));
            Assert.Equal(
                keys.Select(k => (k.User, admitted[k.User].Calls, admitted[k.User].Tokens, refused[k.User])).OrderBy(e => e.User),
                ledger.Select(e => (e.Key, e.Value.Admitted, e.Value.Tokens, e.Value.Refused)).OrderBy(e => e.Item1));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private Task<GatewayServer> StartReplicaAsync(Uri upstream, string databaseUrl, string prefix, TierLimits limits) =>
        GatewayServer.StartAsync(
            upstream,
            o => o.Tiers.Add(new Tier { Name = "replicas", Groups = ["system:authenticated"], Limits = limits }),
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o =>
            {
                o.Redis = redis.Configuration;
                o.KeyPrefix = prefix;
                o.FailureMode = LimitFailureMode.Closed;
            }),
            storage: maas => maas.UsePostgreSqlStorage(o => o.ConnectionUrl = databaseUrl));

    private Task<GatewayServer> StartReplicaAsync(ScriptedUpstream upstream, string databaseUrl, string prefix) =>
        GatewayServer.StartAsync(
            upstream.BaseAddress,
            o =>
            {
                o.Models.Add(new ModelDescriptor
                {
                    Id = OtherModelId,
                    OwnedBy = "test",
                    Url = new Uri("http://models.example/llm/test-other"),
                    Upstream = upstream.BaseAddress,
                });
                o.Tiers.Add(new Tier
                {
                    Name = "replicas",
                    Groups = ["system:authenticated"],
                    Limits = new TierLimits { Requests = RequestsPerWindow, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100_000 },
                });
            },
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o =>
            {
                o.Redis = redis.Configuration;
                o.KeyPrefix = prefix;
            }),
            storage: maas => maas.UsePostgreSqlStorage(o => o.ConnectionUrl = databaseUrl));

    /// <summary>What the caller was answered: the outcome, and the usage a 200 carried.</summary>
    private static async Task<(UsageOutcome Outcome, long Prompt, long Completion)> ReadAnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                using (var json = JsonDocument.Parse(body))
                {
                    var usage = json.RootElement.GetProperty("usage");
                    return (UsageOutcome.Allowed, usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("completion_tokens").GetInt64());
                }

            case HttpStatusCode.TooManyRequests:
                return (UsageOutcome.Limited, 0, 0);
            case HttpStatusCode.InternalServerError:
                return (UsageOutcome.UpstreamError, 0, 0);
            default:
                throw new Xunit.Sdk.XunitException($"Unexpected answer {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>The ledger's totals by (user, model, outcome), read straight from its table.</summary>
    private static async Task<Dictionary<(string User, string Model, UsageOutcome Outcome), (long Requests, long Prompt, long Completion)>> ReadLedgerAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT user_name, model, outcome, sum(requests)::bigint, sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint FROM usage_ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var totals = new Dictionary<(string, string, UsageOutcome), (long, long, long)>();
        while (await reader.ReadAsync())
        {
            totals.Add((reader.GetString(0), reader.GetString(1), (UsageOutcome)reader.GetInt16(2)), (reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return totals;
    }

    /// <summary>An upstream that answers one call in eight with a 500 and the others with random usage, and adds up what it reported.</summary>
    private sealed class ReportedUsage
    {
        private long _answers;
        private long _prompt;
        private long _completion;

        public long Answers => Interlocked.Read(ref _answers);

        public long Prompt => Interlocked.Read(ref _prompt);

        public long Completion => Interlocked.Read(ref _completion);

        public Task AnswerAsync(HttpContext context)
        {
            if (Random.Shared.Next(8) == 0)
            {
                return ScriptedUpstream.Json("""{"error":{"message":"the model fell over","type":"server_error"}}""", StatusCodes.Status500InternalServerError)(context);
            }

            var prompt = Random.Shared.Next(1, 200);
            var completion = Random.Shared.Next(0, 300);
            Interlocked.Increment(ref _answers);
            Interlocked.Add(ref _prompt, prompt);
            Interlocked.Add(ref _completion, completion);
            return ScriptedUpstream.Json(string.Create(
                CultureInfo.InvariantCulture,
                $$$"""{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":{{{prompt}}},"completion_tokens":{{{completion}}},"total_tokens":{{{prompt + completion}}}}}"""))(context);
        }
    }
}
