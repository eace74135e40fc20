using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Maas.SelfService.OneTimeForms;

/// <summary>
/// One-time tokens for a form whose second submission must do nothing (the create form: a reload of
/// "key created" or a double click must not make a second key). A token is a random nonce, its expiry and
/// the user it was issued to, protected by ASP.NET Core Data Protection (so it cannot be forged or moved to
/// another user, and every replica sharing the key ring reads it); consuming it records the nonce, under a
/// lock, in a set that keeps each nonce only until its token expires (after which the token is refused as
/// expired anyway) and holds at most <c>capacity</c> of them: when full of unexpired nonces it refuses
/// rather than forgets. The set is this replica's: a resubmission that reaches another replica within the
/// lifetime is not recognised there (see the package README).
/// </summary>
internal sealed class OneTimeFormTokens
{
    /// <summary>How long a form may stay open before its token expires.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>The most consumed, unexpired tokens remembered (about 100 bytes each).</summary>
    public const int DefaultCapacity = 10_000;

    private const string Purpose = "Maas.SelfService.OneTimeFormToken.v1";
    private const byte Version = 1;
    private const int NonceLength = 16;
    private const int HeaderLength = 1 + NonceLength + sizeof(long);

    private readonly IDataProtector _protector;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, DateTimeOffset> _consumed = [];
    private DateTimeOffset _nextSweep;

    public OneTimeFormTokens(IDataProtectionProvider dataProtection, TimeProvider time, TimeSpan? lifetime = null, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(dataProtection);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _protector = dataProtection.CreateProtector(Purpose);
        _time = time;
        _lifetime = lifetime ?? DefaultLifetime;
        _capacity = capacity;
    }

    /// <summary>Gets how many consumed tokens are remembered now.</summary>
    public int ConsumedCount
    {
        get
        {
            lock (_lock)
            {
                return _consumed.Count;
            }
        }
    }

    /// <summary>A new token for a form shown to <paramref name="user"/>.</summary>
    public string Issue(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var name = Encoding.UTF8.GetBytes(user);
        var payload = new byte[HeaderLength + name.Length];
        payload[0] = Version;
        RandomNumberGenerator.Fill(payload.AsSpan(1, NonceLength));
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1 + NonceLength), (_time.GetUtcNow() + _lifetime).ToUnixTimeMilliseconds());
        name.CopyTo(payload.AsSpan(HeaderLength));
        return WebEncoders.Base64UrlEncode(_protector.Protect(payload));
    }

    /// <summary>
    /// Checks <paramref name="token"/> for <paramref name="user"/> and, when it is valid, unexpired and not
    /// consumed before, consumes it (atomically: of concurrent submissions of one token exactly one is accepted).
    /// </summary>
    public OneTimeFormCheck TryConsume(string? token, string user, out OneTimeFormToken consumed)
    {
        ArgumentNullException.ThrowIfNull(user);
        consumed = default;
        if (!TryRead(token, out var nonce, out var expiresAt, out var issuedTo) || !string.Equals(issuedTo, user, StringComparison.Ordinal))
        {
            return OneTimeFormCheck.Invalid;
        }

        var now = _time.GetUtcNow();
        if (now >= expiresAt)
        {
            return OneTimeFormCheck.Expired;
        }

        lock (_lock)
        {
            if (_consumed.ContainsKey(nonce))
            {
                return OneTimeFormCheck.Replayed;
            }

            if (_consumed.Count >= _capacity || now >= _nextSweep)
            {
                Sweep(now);
            }

            if (_consumed.Count >= _capacity)
            {
                return OneTimeFormCheck.Full;
            }

            _consumed.Add(nonce, expiresAt);
        }

        consumed = new OneTimeFormToken(nonce);
        return OneTimeFormCheck.Accepted;
    }

    /// <summary>Un-consumes a token whose submission changed nothing (refused or failed), so sending the form again works.</summary>
    public void Release(OneTimeFormToken consumed)
    {
        lock (_lock)
        {
            _consumed.Remove(consumed.Nonce);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (nonce, expiresAt) in _consumed)
        {
            if (now >= expiresAt)
            {
                _consumed.Remove(nonce);
            }
        }

        _nextSweep = now + TimeSpan.FromMinutes(1);
    }

    private bool TryRead(string? token, out Guid nonce, out DateTimeOffset expiresAt, out string? user)
    {
        nonce = default;
        expiresAt = default;
        user = null;
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return false;
        }

        byte[] payload;
        try
        {
            payload = _protector.Unprotect(WebEncoders.Base64UrlDecode(token));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }

        if (payload.Length < HeaderLength || payload[0] != Version)
        {
            return false;
        }

        nonce = new Guid(payload.AsSpan(1, NonceLength));
        var milliseconds = BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1 + NonceLength));
        if (milliseconds < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        user = Encoding.UTF8.GetString(payload.AsSpan(HeaderLength));
        return true;
    }
}

/// <summary>A token <see cref="OneTimeFormTokens.TryConsume"/> accepted, to release if its submission changed nothing.</summary>
internal readonly record struct OneTimeFormToken(Guid Nonce);
