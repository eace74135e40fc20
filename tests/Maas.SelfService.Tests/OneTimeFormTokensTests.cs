using Maas.SelfService.OneTimeForms;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;

namespace Maas.SelfService.Tests;

/// <summary>The create form's one-time tokens: honoured once, for their issuer, within their lifetime, in bounded memory.</summary>
public sealed class OneTimeFormTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
    private readonly IDataProtectionProvider _dataProtection = new EphemeralDataProtectionProvider();

    [Fact]
    public void A_token_is_accepted_once_and_every_replay_is_refused()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock);
        var token = tokens.Issue("alice");

        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(token, "alice", out _));
        Assert.Equal(OneTimeFormCheck.Replayed, tokens.TryConsume(token, "alice", out _));
        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(OneTimeFormCheck.Replayed, tokens.TryConsume(token, "alice", out _));

        // Another form of the same user is its own token.
        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(tokens.Issue("alice"), "alice", out _));
    }

    [Fact]
    public void A_token_expires_at_the_end_of_its_lifetime_on_the_clock()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock, TimeSpan.FromMinutes(10));
        var late = tokens.Issue("alice");
        var onTime = tokens.Issue("alice");

        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(onTime, "alice", out _));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(OneTimeFormCheck.Expired, tokens.TryConsume(late, "alice", out _));
        Assert.Equal(OneTimeFormCheck.Expired, tokens.TryConsume(onTime, "alice", out _));
    }

    [Fact]
    public void A_token_of_someone_else_another_host_or_tampered_with_is_invalid_and_consumes_nothing()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock);
        var token = tokens.Issue("alice");
        var otherHost = new OneTimeFormTokens(new EphemeralDataProtectionProvider(), _clock).Issue("alice");
        var tampered = (token[^2] == 'A' ? token[..^2] + "B" : token[..^2] + "A") + token[^1];

        Assert.Equal(OneTimeFormCheck.Invalid, tokens.TryConsume(token, "mallory", out _));
        Assert.Equal(OneTimeFormCheck.Invalid, tokens.TryConsume(otherHost, "alice", out _));
        Assert.Equal(OneTimeFormCheck.Invalid, tokens.TryConsume(tampered, "alice", out _));
        foreach (var junk in new[] { null, "", "not a token", "%%%", new string('A', 5000) })
        {
            Assert.Equal(OneTimeFormCheck.Invalid, tokens.TryConsume(junk, "alice", out _));
        }

        Assert.Equal(0, tokens.ConsumedCount);
        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(token, "alice", out _));
    }

    [Fact]
    public void A_released_token_may_be_sent_again_once()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock);
        var token = tokens.Issue("alice");
        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(token, "alice", out var consumed));

        tokens.Release(consumed);

        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(token, "alice", out _));
        Assert.Equal(OneTimeFormCheck.Replayed, tokens.TryConsume(token, "alice", out _));
    }

    [Fact]
    public async Task Of_many_concurrent_submissions_of_one_token_exactly_one_is_accepted()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock);
        for (var round = 0; round < 200; round++)
        {
            var token = tokens.Issue("alice");
            using var start = new Barrier(8);
            var checks = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                start.SignalAndWait();
                return tokens.TryConsume(token, "alice", out _);
            })));

            Assert.Equal(1, checks.Count(c => c == OneTimeFormCheck.Accepted));
            Assert.Equal(7, checks.Count(c => c == OneTimeFormCheck.Replayed));
        }
    }

    [Fact]
    public void The_set_forgets_expired_tokens_and_refuses_rather_than_forgets_unexpired_ones_when_full()
    {
        var tokens = new OneTimeFormTokens(_dataProtection, _clock, TimeSpan.FromMinutes(10), capacity: 3);
        var first = new[] { tokens.Issue("alice"), tokens.Issue("alice"), tokens.Issue("alice") };
        foreach (var token in first)
        {
            Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(token, "alice", out _));
        }

        // Full of unexpired tokens: a fourth is refused, and the three are still remembered.
        var fourth = tokens.Issue("alice");
        Assert.Equal(OneTimeFormCheck.Full, tokens.TryConsume(fourth, "alice", out _));
        Assert.All(first, token => Assert.Equal(OneTimeFormCheck.Replayed, tokens.TryConsume(token, "alice", out _)));
        Assert.Equal(3, tokens.ConsumedCount);

        // Once they expire they are forgotten (and refused as expired): room again.
        _clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = tokens.Issue("alice");
        Assert.Equal(OneTimeFormCheck.Accepted, tokens.TryConsume(fresh, "alice", out _));
        Assert.Equal(1, tokens.ConsumedCount);
        Assert.All(first, token => Assert.Equal(OneTimeFormCheck.Expired, tokens.TryConsume(token, "alice", out _)));
    }
}
