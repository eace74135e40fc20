using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Maas.Testing;
using Xunit.Abstractions;

namespace Maas.Api.Tests;

/// <summary>
/// The usage ledger of a real <c>maas-api</c> process (gateway, simulated model, SQLite file) under a
/// load of concurrent model calls: a graceful stop (SIGTERM) writes every answered call; a crash
/// (SIGKILL) loses at most the calls answered in the unflushed interval and the batch being written.
/// </summary>
public sealed class LedgerCrashTests(ITestOutputHelper output)
{
    /// <summary>The ledger's default <c>Maas:Gateway:Ledger:FlushInterval</c>, which the host runs with.</summary>
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Sigterm_under_load_writes_every_answered_call_to_the_ledger()
    {
        using var directory = new TemporaryDirectory();
        string[] args = ["--storage=disk", "--data-path", directory.Combine("maas.db")];
        LedgerLoad load;
        await using (var host = await MaasApiProcess.StartAsync(args))
        {
            load = await LedgerLoad.StartAsync(host);
            await load.AnsweredAtLeastAsync(Random.Shared.Next(300, 900));
            Assert.Equal(0, await host.TerminateAsync(TimeSpan.FromSeconds(30)));
            await load.StopAsync();
        }

        await using var restarted = await MaasApiProcess.StartAsync(args);
        var ledger = await load.ReadLedgerAsync(restarted);
        output.WriteLine($"answered {load.Answered.Values.Sum(t => t.Requests)} ({load.Answered.Values.Sum(t => t.Limited)} limited), cut by the stop {load.Unanswered}; ledger {ledger.Values.Sum(t => t.Requests)}");

        // Exact, user by user: every call answered (200 or 429) is written, with the tokens the callers were told.
        Assert.Equal(load.Answered.OrderBy(e => e.Key, StringComparer.Ordinal), ledger.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Contains(ledger.Values, t => t.Limited > 0);
        Assert.True(ledger.Values.Sum(t => t.Prompt + t.Completion) > 0);
    }

    [Fact]
    public async Task Kill_9_under_load_loses_at_most_the_calls_answered_in_the_unflushed_interval_and_the_batch_being_written()
    {
        using var directory = new TemporaryDirectory();
        string[] args = ["--storage=disk", "--data-path", directory.Combine("maas.db")];
        LedgerLoad? load = null;
        var host = await MaasApiProcess.StartAsync(args);
        try
        {
            load = await LedgerLoad.StartAsync(host);

            // Killed after a random number of answers, so at a random point of the flush cycle.
            await load.AnsweredAtLeastAsync(Random.Shared.Next(500, 2000));
        }
        finally
        {
            // Disposing kills the process (SIGKILL).
            await host.DisposeAsync();
        }

        await load.StopAsync();

        // The kill as the callers saw it: the last answer (the process died after it).
        var killedAt = load.LastAnswer;

        await using var restarted = await MaasApiProcess.StartAsync(args);
        var ledger = await load.ReadLedgerAsync(restarted);
        var answered = load.Answered.Values.Sum(t => t.Requests);
        var written = ledger.Values.Sum(t => t.Requests);
        var lost = answered - written;

        // What a crash may lose: the calls answered in the interval not yet written, and those of the
        // batch being written when the kill came, which the writer took an interval before.
        var answersBeforeKill = load.AnswerTimes(killedAt);
        var lastInterval = answersBeforeKill.Count(age => age <= FlushInterval);
        var lastTwoIntervals = answersBeforeKill.Count(age => age <= 2 * FlushInterval);
        var lossWindow = lost <= 0 ? TimeSpan.Zero : answersBeforeKill.Order().ElementAt((int)Math.Min(lost, answersBeforeKill.Count) - 1);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"answered {answered} in {answersBeforeKill.Max().TotalSeconds:0.00} s, in flight at the kill {load.Unanswered}; ledger {written}; lost {lost} = the answers of the last {lossWindow.TotalMilliseconds:0} ms; answered in the last interval {lastInterval}, in the last two {lastTwoIntervals}"));

        // Never more than the calls made (an unanswered call may have been counted before the kill).
        Assert.True(written <= answered + load.Unanswered, $"the ledger holds {written} calls, more than the {answered + load.Unanswered} made");
        Assert.True(lost <= lastTwoIntervals, $"lost {lost} answered calls, more than the {lastTwoIntervals} answered in the last two flush intervals before the kill");

        // Only the end is lost: every user whose calls all ended over two intervals before the kill is complete.
        foreach (var (user, calls) in load.Answered)
        {
            if (load.LastAnswerAge(user, killedAt) > 2 * FlushInterval)
            {
                Assert.Equal(calls, ledger.GetValueOrDefault(user));
            }
        }
    }

    /// <summary>What one user was answered, or what the ledger holds for them.</summary>
    private readonly record struct UserTotals(long Requests, long Limited, long Failed, long Prompt, long Completion);

    /// <summary>
    /// Sixteen callers calling the simulated model as long as the host answers, each a new premium
    /// user every 24 calls (20 allowed in the tier's window, then 429), with a token of its own.
    /// </summary>
    private sealed class LedgerLoad
    {
        private const int Workers = 16;
        private const int CallsPerUser = 24;
        private const string ModelPath = "/llm/facebook-opt-125m-simulated/v1/chat/completions";

        private readonly MaasApiProcess _host;
        private readonly HttpClient _client;
        private readonly ConcurrentDictionary<string, UserTotals> _answered = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _lastAnswer = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<long> _answerTimes = new();
        private readonly SemaphoreSlim _answeredSignal = new(0);
        private Task[] _workers = [];
        private int _unanswered;

        private LedgerLoad(MaasApiProcess host)
        {
            _host = host;
            _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers }) { BaseAddress = host.BaseAddress };
        }

        public IReadOnlyDictionary<string, UserTotals> Answered => _answered;

        /// <summary>Calls cut by the stop or the kill: sent, never answered.</summary>
        public int Unanswered => Volatile.Read(ref _unanswered);

        public static Task<LedgerLoad> StartAsync(MaasApiProcess host)
        {
            var load = new LedgerLoad(host);
            load._workers = [.. Enumerable.Range(0, Workers).Select(w => Task.Run(() => load.CallAsync(w)))];
            return Task.FromResult(load);
        }

        /// <summary>Waits (at most 2 minutes) until <paramref name="count"/> calls were answered.</summary>
        public async Task AnsweredAtLeastAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (_answerTimes.Count < count)
            {
                if (_workers.FirstOrDefault(w => w.IsCompleted) is { } ended)
                {
                    await ended;
                    throw new InvalidOperationException("A caller stopped before the host did:" + Environment.NewLine + string.Join(Environment.NewLine, _host.Output));
                }

                await _answeredSignal.WaitAsync(timeout.Token);
            }
        }

        /// <summary>Waits for every caller to see the host gone.</summary>
        public async Task StopAsync()
        {
            await Task.WhenAll(_workers);
            _client.Dispose();
        }

        /// <summary>How long before <paramref name="killedAt"/> each call was answered.</summary>
        public List<TimeSpan> AnswerTimes(long killedAt) => [.. _answerTimes.Select(t => Stopwatch.GetElapsedTime(t, killedAt))];

        /// <summary>When the last call was answered.</summary>
        public long LastAnswer => _answerTimes.Max();

        public TimeSpan LastAnswerAge(string user, long killedAt) => Stopwatch.GetElapsedTime(_lastAnswer[user], killedAt);

        /// <summary>Each user's totals in the ledger, read through <c>GET /v1/usage/history</c> of <paramref name="host"/>.</summary>
        public async Task<Dictionary<string, UserTotals>> ReadLedgerAsync(MaasApiProcess host)
        {
            var now = DateTimeOffset.UtcNow;
            var range = string.Create(CultureInfo.InvariantCulture, $"from={Uri.EscapeDataString(now.AddDays(-2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(now.AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}");
            var ledger = new Dictionary<string, UserTotals>(StringComparer.Ordinal);
            foreach (var user in _answered.Keys)
            {
                using var client = host.CreateClient(user, "system:authenticated", "premium-group");
                using var history = JsonDocument.Parse(await client.GetStringAsync("/v1/usage/history?" + range));
                var totals = default(UserTotals);
                foreach (var bucket in history.RootElement.GetProperty("data").EnumerateArray())
                {
                    totals = new UserTotals(
                        totals.Requests + bucket.GetProperty("requests").GetInt64(),
                        totals.Limited + bucket.GetProperty("limited_requests").GetInt64(),
                        totals.Failed + bucket.GetProperty("failed_requests").GetInt64(),
                        totals.Prompt + bucket.GetProperty("prompt_tokens").GetInt64(),
                        totals.Completion + bucket.GetProperty("completion_tokens").GetInt64());
                }

                if (totals != default)
                {
                    ledger[user] = totals;
                }
            }

            return ledger;
        }

        private async Task CallAsync(int worker)
        {
            var random = new Random(worker);
            string? token = null;
            string? user = null;
            var calling = false;
            for (var call = 0; ; call++)
            {
                try
                {
                    if (call % CallsPerUser == 0)
                    {
                        user = string.Create(CultureInfo.InvariantCulture, $"w{worker}-u{call / CallsPerUser}");
                        token = await IssueTokenAsync(user);
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Post, ModelPath)
                    {
                        Content = MaasApiServer.Json(string.Create(CultureInfo.InvariantCulture, $$"""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"count {{call}} tokens"}],"max_tokens":{{random.Next(1, 24)}}}""")),
                    };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    calling = true;
                    using var response = await _client.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    var answer = response.StatusCode switch
                    {
                        HttpStatusCode.OK => Usage(body),
                        HttpStatusCode.TooManyRequests => new UserTotals(1, 1, 0, 0, 0),

                        // The simulated model is served by the same host: stopping, it may not reach it (502).
                        >= HttpStatusCode.InternalServerError => new UserTotals(1, 0, 1, 0, 0),
                        _ => throw new InvalidOperationException($"Unexpected answer {(int)response.StatusCode}: {body}"),
                    };
                    calling = false;
                    _answered.AddOrUpdate(user!, answer, (_, t) => new UserTotals(t.Requests + 1, t.Limited + answer.Limited, t.Failed + answer.Failed, t.Prompt + answer.Prompt, t.Completion + answer.Completion));
                    var at = Stopwatch.GetTimestamp();
                    _lastAnswer[user!] = at;
                    _answerTimes.Enqueue(at);
                    _answeredSignal.Release();
                }
                catch (HttpRequestException)
                {
                    // The host stopped or was killed: this call (or token) got no answer; the caller is done.
                    if (calling)
                    {
                        Interlocked.Increment(ref _unanswered);
                    }

                    _answeredSignal.Release();
                    return;
                }
            }
        }

        private async Task<string> IssueTokenAsync(string user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens") { Content = MaasApiServer.Json("""{"expiration":"10m"}""") };
            request.Headers.Add("X-MaaS-Username", user);
            request.Headers.Add("X-MaaS-Group", """["system:authenticated","premium-group"]""");
            using var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("token").GetString()!;
        }

        private static UserTotals Usage(string body)
        {
            using var json = JsonDocument.Parse(body);
            var usage = json.RootElement.GetProperty("usage");
            return new UserTotals(1, 0, 0, usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("completion_tokens").GetInt64());
        }
    }
}
