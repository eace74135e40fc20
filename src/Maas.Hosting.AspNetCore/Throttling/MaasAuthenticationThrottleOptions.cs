using System.ComponentModel.DataAnnotations;

namespace Maas.Hosting.Throttling;

/// <summary>
/// How failed authentication is throttled per client address: after <see cref="FailureLimit"/>
/// failures within <see cref="Window"/>, the address is answered 429 with <c>Retry-After</c>
/// until the window ends. Counts gateway client (introspection) secrets, the gateway shared
/// secret and bearer credentials. Binds from <c>Maas:AuthenticationThrottle</c>.
/// </summary>
public sealed class MaasAuthenticationThrottleOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:AuthenticationThrottle";

    /// <summary>Gets or sets how many failed authentications an address may have per window before it is answered 429.</summary>
    /// <value>The default is 20; from 1 to 1,000,000.</value>
    [Range(1, 1_000_000)]
    public int FailureLimit { get; set; } = 20;

    /// <summary>Gets or sets the window, counted from an address's first failure, over which failures add up.</summary>
    /// <value>The default is 1 minute; from 1 second to 1 day.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how many addresses are tracked at once; when full, the address tracked longest
    /// is forgotten, so an attacker rotating addresses cannot grow memory. IPv6 addresses count per /64.
    /// </summary>
    /// <value>The default is 10,000 (about 1 MB); from 1 to 10,000,000.</value>
    [Range(1, 10_000_000)]
    public int AddressCapacity { get; set; } = 10_000;
}
