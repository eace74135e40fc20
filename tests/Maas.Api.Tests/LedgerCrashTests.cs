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
/// load of concurrent model calls: a graceful stop (SIGTERM) writes every answered call; while the
/// load runs, and after a crash (SIGKILL), every call answered more than two flush intervals before
/// (the unflushed interval and the batch being written) is in the ledger, and nothing more than was sent.
/// </summary>
public sealed class LedgerCrashTests(ITestOutputHelper output)
{
    /// <summary>The ledger's default <c>Maas:Gateway:Ledger:FlushInterval</c>, which the host runs with.</summary>
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>How old an answer may be and still be missing from the ledger: the unflushed interval and the batch being written.</summary>
    private static readonly TimeSpan MayBeUnwritten = 2 * FlushInterval;

    /// <summary>The administrator group the hosts run with, so that one <c>GET /v1/usage/report</c> reads every user.</summary>
    private const string AdminGroup = "ledger-admins";

    private static readonly Dictionary<string, string> HostEnvironment = new(StringComparer.Ordinal) { ["Maas__Admins__Groups__0"] = AdminGroup };

    [Fact]
    public async Task Sigterm_under_load_writes_every_answered_call_to_the_ledger()
    {
        using var directory = new TemporaryDirectory();
        string[] args = ["--storage=disk", "--data-path", directory.Combine("maas.db")];
        LedgerLoad load;
        await using (var host = await MaasApiProcess.StartAsync(args, HostEnvironment))
        {
            load = LedgerLoad.Start(host);
            await load.AnsweredAtLeastAsync(Random.Shared.Next(300, 900));
            Assert.Equal(0, await host.TerminateAsync(TimeSpan.FromSeconds(30)));
            await load.StopAsync();
        }

        await using var restarted = await MaasApiProcess.StartAsync(args, HostEnvironment);
        var ledger = await ReadLedgerAsync(restarted);
        var answered = load.Answered();
        output.WriteLine($"answered {answered.Values.Sum(t => t.Requests)} ({answered.Values.Sum(t => t.Limited)} limited), cut by the stop {load.Unanswered}; ledger {ledger.Values.Sum(t => t.Requests)}");

        // Exact, user by user: every call answered (200 or 429) is written, with the tokens the callers were told.
        Assert.Equal(answered.OrderBy(e => e.Key, StringComparer.Ordinal), ledger.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Contains(ledger.Values, t => t.Limited > 0);
        Assert.True(ledger.Values.Sum(t => t.Prompt + t.Completion) > 0);
    }

    [Fact]
    public async Task Kill_9_under_load_loses_at_most_the_calls_answered_in_the_unflushed_interval_and_the_batch_being_written()
    {
        using var directory = new TemporaryDirectory();
        string[] args = ["--storage=disk", "--data-path", directory.Combine("maas.db")];
        LedgerLoad? load = null;
        long killedAt;
        var host = await MaasApiProcess.StartAsync(args, HostEnvironment);
        try
        {
            load = LedgerLoad.Start(host);
            await load.AnsweredAtLeastAsync(1);
            var firstAnswer = load.FirstAnswer;

            // During the load, at 2.5, 4, 5.5 and 7 intervals after the first answer: a writer flushing less
            // often than every 6.5 intervals leaves answers older than two intervals unwritten at one of these
            // reads, wherever its flushes fall. Each read sees answers older than two intervals: the first one at least.
            foreach (var at in (double[])[2.5, 4, 5.5, 7])
            {
                await load.UntilAsync(firstAnswer + Ticks(at * FlushInterval));
                var readAt = Stopwatch.GetTimestamp();
                var ledger = await ReadLedgerAsync(host);
                var outcome = AssertWrittenBy(ledger, load, readAt);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"at {at} intervals: {outcome}"));
            }

            // Killed at a random point of the flush cycle, once the load has run that long and made enough answers
            // that a loss would show (a slow machine makes fewer answers per interval, so it waits for more time).
            await load.UntilAsync(Stopwatch.GetTimestamp() + Ticks(Random.Shared.NextDouble() * FlushInterval));
            await load.AnsweredAtLeastAsync(200);
            killedAt = Stopwatch.GetTimestamp();
            Assert.True(Stopwatch.GetElapsedTime(firstAnswer, killedAt) > 3 * FlushInterval);
        }
        finally
        {
            // Disposing kills the process (SIGKILL).
            await host.DisposeAsync();
        }

        await load.StopAsync();

        await using var restarted = await MaasApiProcess.StartAsync(args, HostEnvironment);
        var written = await ReadLedgerAsync(restarted);
        output.WriteLine("at the kill: " + AssertWrittenBy(written, load, killedAt));

        // Never more than the calls made (an unanswered call may have been counted before the kill).
        var answered = load.Answered();
        Assert.True(written.Values.Sum(t => t.Requests) <= answered.Values.Sum(t => t.Requests) + load.Unanswered);
    }

    /// <summary>
    /// Asserts what <paramref name="ledger"/>, read at or after <paramref name="readAt"/>, holds of
    /// <paramref name="load"/>'s users: at least every call answered more than <see cref="MayBeUnwritten"/>
    /// before, exactly what was answered for a user whose calls all ended then, and never more calls than
    /// were sent. Returns what it saw, for the test's output.
    /// </summary>
    private static string AssertWrittenBy(Dictionary<string, UserTotals> ledger, LedgerLoad load, long readAt)
    {
        // Taken after the read: the ledger holds nothing sent later.
        var answers = load.Answers();
        var sent = load.Sent();
        var settledBefore = readAt - Ticks(MayBeUnwritten);
        var old = Sum(answers.Where(a => a.At < settledBefore));
        var answered = Sum(answers);
        Assert.NotEmpty(old);
        foreach (var (user, written) in ledger)
        {
            var calls = sent.GetValueOrDefault(user);
            Assert.True(written.Requests <= calls, $"the ledger holds {written.Requests} calls of {user}, who sent {calls}");
        }

        foreach (var (user, calls) in old)
        {
            var written = ledger.GetValueOrDefault(user);
            if (calls.Requests == sent[user])
            {
                // Every call of this user ended over two intervals before the read: complete, exactly.
                Assert.Equal((user, calls), (user, written));
            }
            else
            {
                Assert.True(
                    written.Requests >= calls.Requests && written.Limited >= calls.Limited && written.Prompt >= calls.Prompt && written.Completion >= calls.Completion,
                    $"the ledger holds {written} for {user}, less than the {calls} answered over {MayBeUnwritten.TotalSeconds} s before the read");
            }
        }

        var total = answered.Values.Sum(t => t.Requests);
        var oldTotal = old.Values.Sum(t => t.Requests);
        var writtenTotal = ledger.Values.Sum(t => t.Requests);
        var unwritten = answers.Where(a => a.At <= readAt).Select(a => Stopwatch.GetElapsedTime(a.At, readAt)).Order().ToList();
        var lost = total - writtenTotal;
        var window = lost <= 0 || unwritten.Count == 0 ? TimeSpan.Zero : unwritten[(int)Math.Min(lost, unwritten.Count) - 1];
        return string.Create(
            CultureInfo.InvariantCulture,
            $"answered {total} ({oldTotal} over {MayBeUnwritten.TotalSeconds} s before), sent and not (yet) answered {sent.Values.Sum() - total}; ledger {writtenTotal}; unwritten {lost} = the answers of the last {window.TotalMilliseconds:0} ms; users complete {old.Count(e => e.Value.Requests == sent[e.Key])} of {answered.Count}");
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static Dictionary<string, UserTotals> Sum(IEnumerable<Answer> answers)
    {
        var totals = new Dictionary<string, UserTotals>(StringComparer.Ordinal);
        foreach (var answer in answers)
        {
            var t = totals.GetValueOrDefault(answer.User);
            var a = answer.Totals;
            totals[answer.User] = new UserTotals(t.Requests + a.Requests, t.Limited + a.Limited, t.Failed + a.Failed, t.Prompt + a.Prompt, t.Completion + a.Completion);
        }

        return totals;
    }

    /// <summary>Each user's totals in the ledger, read as an administrator through <c>GET /v1/usage/report?group_by=user</c>, page by page.</summary>
    private static async Task<Dictionary<string, UserTotals>> ReadLedgerAsync(MaasApiProcess host)
    {
        var now = DateTimeOffset.UtcNow;
        var range = string.Create(CultureInfo.InvariantCulture, $"from={Uri.EscapeDataString(now.AddDays(-2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(now.AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}");
        using var client = host.CreateClient("ledger-reader", "system:authenticated", AdminGroup);
        var ledger = new Dictionary<string, UserTotals>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            using var report = JsonDocument.Parse(await client.GetStringAsync("/v1/usage/report?group_by=user&limit=1000&" + range + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))));
            foreach (var entry in report.RootElement.GetProperty("data").EnumerateArray())
            {
                ledger.Add(
                    entry.GetProperty("group").GetString()!,
                    new UserTotals(
                        entry.GetProperty("requests").GetInt64(),
                        entry.GetProperty("limited_requests").GetInt64(),
                        entry.GetProperty("failed_requests").GetInt64(),
                        entry.GetProperty("prompt_tokens").GetInt64(),
                        entry.GetProperty("completion_tokens").GetInt64()));
            }

            cursor = report.RootElement.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        return ledger;
    }

    /// <summary>What one user was answered, or what the ledger holds for them.</summary>
    private readonly record struct UserTotals(long Requests, long Limited, long Failed, long Prompt, long Completion);

    /// <summary>One answered call: whose, when (a <see cref="Stopwatch"/> timestamp), and what it counted.</summary>
    private readonly record struct Answer(string User, long At, UserTotals Totals);

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
        private readonly ConcurrentQueue<Answer> _answers = new();
        private readonly ConcurrentDictionary<string, long> _sent = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _answeredSignal = new(0);
        private Task[] _workers = [];
        private int _unanswered;

        private LedgerLoad(MaasApiProcess host)
        {
            _host = host;
            _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers }) { BaseAddress = host.BaseAddress };
        }

        /// <summary>Calls cut by the stop or the kill: sent, never answered.</summary>
        public int Unanswered => Volatile.Read(ref _unanswered);

        /// <summary>When the first call was answered (a <see cref="Stopwatch"/> timestamp).</summary>
        public long FirstAnswer => _answers.Min(a => a.At);

        public static LedgerLoad Start(MaasApiProcess host)
        {
            var load = new LedgerLoad(host);
            load._workers = [.. Enumerable.Range(0, Workers).Select(w => Task.Run(() => load.CallAsync(w)))];
            return load;
        }

        /// <summary>The calls answered so far.</summary>
        public List<Answer> Answers() => [.. _answers];

        /// <summary>Each user's totals of the calls answered so far.</summary>
        public Dictionary<string, UserTotals> Answered() => Sum(_answers);

        /// <summary>Each user's calls sent so far (answered, cut, or in flight).</summary>
        public Dictionary<string, long> Sent() => new(_sent, StringComparer.Ordinal);

        /// <summary>Waits (at most 2 minutes) until <paramref name="count"/> calls were answered.</summary>
        public async Task AnsweredAtLeastAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (_answers.Count < count)
            {
                await ThrowIfACallerStoppedAsync();
                await _answeredSignal.WaitAsync(timeout.Token);
            }
        }

        /// <summary>Lets the load run until <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp): the test's schedule, not a wait for the host.</summary>
        public async Task UntilAsync(long timestamp)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
            if (remaining > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(remaining), Task.WhenAny(_workers));
            }

            await ThrowIfACallerStoppedAsync();
        }

        /// <summary>Waits for every caller to see the host gone.</summary>
        public async Task StopAsync()
        {
            await Task.WhenAll(_workers);
            _client.Dispose();
        }

        private async Task ThrowIfACallerStoppedAsync()
        {
            if (_workers.FirstOrDefault(w => w.IsCompleted) is { } ended)
            {
                await ended;
                throw new InvalidOperationException("A caller stopped before the host did:" + Environment.NewLine + string.Join(Environment.NewLine, _host.Output));
            }
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
                    _sent.AddOrUpdate(user!, 1, (_, n) => n + 1);
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
                    _answers.Enqueue(new Answer(user!, Stopwatch.GetTimestamp(), answer));
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
