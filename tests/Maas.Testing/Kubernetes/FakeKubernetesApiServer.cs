using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Maas.Testing.Kubernetes;

/// <summary>
/// A Kubernetes API server for tests: Kestrel on 127.0.0.1 with a free port, speaking the REST wire
/// format (discovery, get, list, create, update, merge patch, delete, watch with resource versions)
/// for the resources in <see cref="KubernetesResourceType.All"/>, plus the TokenRequest
/// (<c>serviceaccounts/{name}/token</c>) and TokenReview APIs. Real clients (<c>kubectl</c>, the
/// KubernetesClient package) work against it. Tests make trouble on purpose: <see cref="Forbid"/>
/// (403), <see cref="CompactHistory"/> (a watch from an older resource version gets 410 Gone),
/// <see cref="DropWatches"/> (open watches end), <see cref="BeforeRequest"/> (act just before a
/// request is served, for races). Every request is recorded in <see cref="Calls"/>.
/// </summary>
public sealed partial class FakeKubernetesApiServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private readonly Lock _gate = new();
    private readonly Dictionary<(KubernetesResourceType Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<(long Version, KubernetesResourceType Type, string EventType, JsonObject Object)> _history = [];
    private readonly List<Watch> _watches = [];
    private readonly HashSet<(string Verb, string Resource)> _forbidden = [];
    private readonly Dictionary<string, (string User, string[] Groups)> _userTokens = new(StringComparer.Ordinal);
    private string[]? _reviewAudiencesIgnoredAnswering;
    private readonly List<KubernetesApiCall> _calls = [];
    private readonly FakeServiceAccountTokens _tokens = new();
    private readonly TimeProvider _time;
    private WebApplication? _app;
    private long _resourceVersion = 1000;
    private long _oldestWatchable;

    private FakeKubernetesApiServer(TimeProvider time) => _time = time;

    /// <summary>Gets the server's address, <c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets or sets an action run before each API request is served (not discovery), for example to create an object concurrently.</summary>
    public Func<KubernetesApiCall, ValueTask>? BeforeRequest { get; set; }

    /// <summary>Gets a copy of the API requests received so far, in order.</summary>
    public IReadOnlyList<KubernetesApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Gets the issuer of the service-account tokens the server signs.</summary>
    public static string TokenIssuer => FakeServiceAccountTokens.Issuer;

    /// <summary>Starts a server on a free port of 127.0.0.1; <paramref name="time"/> dates objects and tokens.</summary>
    public static async Task<FakeKubernetesApiServer> StartAsync(TimeProvider? time = null)
    {
        var server = new FakeKubernetesApiServer(time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = FreePort.OnLoopback();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        server._app = app;
        server.BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        return server;
    }

    /// <summary>Writes a kubeconfig for this server into <paramref name="directory"/> and returns its path.</summary>
    public string WriteKubeconfig(string directory) => WriteKubeconfig(directory, BaseAddress.ToString().TrimEnd('/'), "fake-admin-token");

    /// <summary>
    /// Writes a kubeconfig in <paramref name="directory"/> whose one context points at
    /// <paramref name="server"/> with the bearer <paramref name="token"/>; returns its path.
    /// </summary>
    public static string WriteKubeconfig(string directory, string server, string token)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {server}
            users:
            - name: tester
              user:
                token: {token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
                namespace: default
            current-context: fake
            """);
        return path;
    }

    /// <summary>Answers 403 Forbidden to every <paramref name="verb"/> on <paramref name="resource"/> (as RBAC names it, e.g. <c>serviceaccounts/token</c>).</summary>
    public void Forbid(string verb, string resource)
    {
        lock (_gate)
        {
            _forbidden.Add((verb, resource));
        }
    }

    /// <summary>Lifts every <see cref="Forbid"/>.</summary>
    public void AllowAll()
    {
        lock (_gate)
        {
            _forbidden.Clear();
        }
    }

    /// <summary>Makes <paramref name="token"/> a user's bearer token that TokenReview accepts (as <c>oc whoami -t</c> prints one).</summary>
    public void AddUserToken(string token, string user, params string[] groups)
    {
        lock (_gate)
        {
            _userTokens[token] = (user, groups);
        }
    }

    /// <summary>
    /// Makes TokenReview answer as an authenticator that does not check audiences would (a webhook, an
    /// older API server): a user token (<see cref="AddUserToken"/>) is authenticated whatever
    /// <c>spec.audiences</c> asks for, and <c>status.audiences</c> is <paramref name="answered"/>
    /// (left out when empty).
    /// </summary>
    public void IgnoreReviewAudiences(params string[] answered)
    {
        lock (_gate)
        {
            _reviewAudiencesIgnoredAnswering = answered;
        }
    }

    /// <summary>Forgets the change history: a watch from any resource version older than now gets 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _oldestWatchable = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a load balancer timeout would.</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Events.Writer.TryComplete();
            }

            _watches.Clear();
        }
    }

    /// <summary>Gets the number of watches open now.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Creates or replaces an object directly (as another client would), emitting the watch event.</summary>
    public JsonObject Put(KubernetesResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = obj["metadata"]?.AsObject() ?? throw new ArgumentException("metadata is missing", nameof(obj));
        var ns = type.Namespaced ? (string?)metadata["namespace"] ?? "default" : "";
        var name = (string?)metadata["name"] ?? throw new ArgumentException("metadata.name is missing", nameof(obj));
        lock (_gate)
        {
            if (type.Namespaced && !_objects.ContainsKey((KubernetesResourceType.Namespaces, "", ns)))
            {
                Store(KubernetesResourceType.Namespaces, "", ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, null);
            }

            _objects.TryGetValue((type, ns, name), out var existing);
            return Store(type, ns, name, (JsonObject)obj.DeepClone(), existing).DeepClone().AsObject();
        }
    }

    /// <summary>Returns a copy of an object, or <see langword="null"/> when it does not exist.</summary>
    public JsonObject? Get(KubernetesResourceType type, string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            return _objects.TryGetValue((type, type.Namespaced ? ns ?? "" : "", name), out var obj) ? obj.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Returns copies of every object of a type (in one namespace when given), ordered by namespace and name.</summary>
    public IReadOnlyList<JsonObject> List(KubernetesResourceType type, string? ns = null)
    {
        lock (_gate)
        {
            return [.. _objects.Where(o => o.Key.Type == type && (ns is null || o.Key.Namespace == ns)).OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal).Select(o => o.Value.DeepClone().AsObject())];
        }
    }

    /// <summary>Deletes an object directly, emitting the watch event; <see langword="false"/> when it did not exist.</summary>
    public bool Delete(KubernetesResourceType type, string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            return Remove(type, type.Namespaced ? ns ?? "" : "", name) is not null;
        }
    }

    /// <summary>Stops the server; open watches end.</summary>
    public async ValueTask DisposeAsync()
    {
        DropWatches();
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _tokens.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            if (await TryDiscoveryAsync(context, segments).ConfigureAwait(false))
            {
                return;
            }

            if (!TryParse(segments, out var type, out var ns, out var name, out var subresource))
            {
                await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource ({path})").ConfigureAwait(false);
                return;
            }

            var watching = IsTrue(context.Request.Query["watch"]);
            var verb = context.Request.Method switch
            {
                "GET" when watching => "watch",
                "GET" when name is null => "list",
                "GET" => "get",
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "unknown",
            };
            var call = new KubernetesApiCall(verb, type.Group, type.Plural, subresource, ns, name);
            bool forbidden;
            lock (_gate)
            {
                _calls.Add(call);
                forbidden = _forbidden.Contains((verb, call.RbacResource));
            }

            if (forbidden)
            {
                await WriteStatusAsync(context, 403, "Forbidden", $"{call.RbacResource} is forbidden: User \"tester\" cannot {verb} resource \"{call.RbacResource}\" in API group \"{type.Group}\"").ConfigureAwait(false);
                return;
            }

            if (BeforeRequest is { } before)
            {
                await before(call).ConfigureAwait(false);
            }

            await (verb switch
            {
                "watch" => WatchAsync(context, type, ns, name),
                "list" => ListAsync(context, type, ns),
                "get" => GetAsync(context, type, ns ?? "", name!),
                "create" when subresource == "token" && type == KubernetesResourceType.ServiceAccounts => TokenRequestAsync(context, ns!, name!),
                "create" when type == KubernetesResourceType.TokenReviews => TokenReviewAsync(context),
                "create" => CreateAsync(context, type, ns ?? ""),
                "update" => UpdateAsync(context, type, ns ?? "", name!),
                "patch" => PatchAsync(context, type, ns ?? "", name!),
                "delete" => DeleteAsync(context, type, ns ?? "", name!),
                _ => WriteStatusAsync(context, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
            }).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"the object could not be decoded: {ex.Message}").ConfigureAwait(false);
        }
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value == "1" || value == "true";

    private static bool TryParse(string[] segments, out KubernetesResourceType type, out string? ns, out string? name, out string? subresource)
    {
        type = null!;
        ns = name = subresource = null;
        string group, version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api" && segments[1] == "v1")
        {
            (group, version, rest) = ("", "v1", 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return false;
        }

        var tail = segments[rest..];
        string plural;
        if (tail[0] == "namespaces" && tail.Length >= 3)
        {
            ns = tail[1];
            plural = tail[2];
            name = tail.Length > 3 ? tail[3] : null;
            subresource = tail.Length > 4 ? tail[4] : null;
            if (tail.Length > 5)
            {
                return false;
            }
        }
        else
        {
            plural = tail[0];
            name = tail.Length > 1 ? tail[1] : null;
            subresource = tail.Length > 2 ? tail[2] : null;
            if (tail.Length > 3)
            {
                return false;
            }
        }

        var found = KubernetesResourceType.All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);
        if (found is null || (ns is not null && !found.Namespaced) || (subresource is not null && !(subresource == "token" && found == KubernetesResourceType.ServiceAccounts)))
        {
            return false;
        }

        type = found;
        return true;
    }

    private async Task<bool> TryDiscoveryAsync(HttpContext context, string[] segments)
    {
        JsonObject? body = segments switch
        {
            ["version"] => new JsonObject { ["major"] = "1", ["minor"] = "30", ["gitVersion"] = "v1.30.0", ["platform"] = "linux/amd64" },
            ["api"] => new JsonObject
            {
                ["kind"] = "APIVersions",
                ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = BaseAddress.Authority }),
            },
            ["api", "v1"] => ResourceList("v1"),
            ["apis"] => GroupList(),
            ["apis", var g, var v] when KubernetesResourceType.All.Any(t => t.Group == g && t.Version == v) => ResourceList($"{g}/{v}"),
            ["openid", "v1", "jwks"] => _tokens.Jwks(),
            [".well-known", "openid-configuration"] => new JsonObject
            {
                ["issuer"] = FakeServiceAccountTokens.Issuer,
                ["jwks_uri"] = new Uri(BaseAddress, "/openid/v1/jwks").ToString(),
                ["response_types_supported"] = new JsonArray("id_token"),
                ["subject_types_supported"] = new JsonArray("public"),
                ["id_token_signing_alg_values_supported"] = new JsonArray("ES256"),
            },
            _ => null,
        };
        if (body is null)
        {
            return false;
        }

        await WriteJsonAsync(context, 200, body).ConfigureAwait(false);
        return true;
    }

    private static JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var byGroup in KubernetesResourceType.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group))
        {
            var version = byGroup.First().Version;
            var gv = new JsonObject { ["groupVersion"] = $"{byGroup.Key}/{version}", ["version"] = version };
            groups.Add(new JsonObject
            {
                ["name"] = byGroup.Key,
                ["versions"] = new JsonArray(gv.DeepClone()),
                ["preferredVersion"] = gv,
            });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private static JsonObject ResourceList(string groupVersion)
    {
        var resources = new JsonArray();
        foreach (var type in KubernetesResourceType.All.Where(t => t.ApiVersion == groupVersion))
        {
            var verbs = type == KubernetesResourceType.TokenReviews
                ? new JsonArray("create")
                : new JsonArray("create", "delete", "get", "list", "patch", "update", "watch");
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = verbs,
                ["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => JsonValue.Create(s))]),
            });
            if (type == KubernetesResourceType.ServiceAccounts)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = "serviceaccounts/token",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["group"] = "authentication.k8s.io",
                    ["version"] = "v1",
                    ["kind"] = "TokenRequest",
                    ["verbs"] = new JsonArray("create"),
                });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources };
    }

    private async Task ListAsync(HttpContext context, KubernetesResourceType type, string? ns)
    {
        var selector = Selector.Parse(context.Request.Query);
        JsonObject list;
        lock (_gate)
        {
            var items = new JsonArray();
            foreach (var ((t, n, _), obj) in _objects.OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal))
            {
                if (t == type && (ns is null || n == ns) && selector.Matches(obj))
                {
                    items.Add(obj.DeepClone());
                }
            }

            list = new JsonObject
            {
                ["kind"] = type.Kind + "List",
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                ["items"] = items,
            };
        }

        await WriteJsonAsync(context, 200, list).ConfigureAwait(false);
    }

    private async Task GetAsync(HttpContext context, KubernetesResourceType type, string ns, string name)
    {
        JsonObject? obj;
        lock (_gate)
        {
            obj = _objects.TryGetValue((type, ns, name), out var found) ? found.DeepClone().AsObject() : null;
        }

        await (obj is null ? NotFoundAsync(context, type, name) : WriteJsonAsync(context, 200, obj)).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, KubernetesResourceType type, string ns)
    {
        var obj = await ReadObjectAsync(context).ConfigureAwait(false);
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        var name = (string?)metadata["name"];
        if (string.IsNullOrEmpty(name) && metadata["generateName"] is JsonValue generate)
        {
            name = (string?)generate + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..5];
            metadata["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            await WriteStatusAsync(context, 422, "Invalid", $"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required").ConfigureAwait(false);
            return;
        }

        var invalid = ValidateName(type, name);
        if (invalid is not null)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"{type.Kind} \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": {invalid}", type, name).ConfigureAwait(false);
            return;
        }

        JsonObject? created = null;
        var status = 201;
        lock (_gate)
        {
            if (type.Namespaced && !_objects.ContainsKey((KubernetesResourceType.Namespaces, "", ns)))
            {
                status = 404;
            }
            else if (_objects.ContainsKey((type, ns, name)))
            {
                status = 409;
            }
            else
            {
                metadata["namespace"] = type.Namespaced ? ns : null;
                created = Store(type, ns, name, obj, null).DeepClone().AsObject();
            }
        }

        await (status switch
        {
            404 => WriteStatusAsync(context, 404, "NotFound", $"namespaces \"{ns}\" not found", KubernetesResourceType.Namespaces, ns),
            409 => WriteStatusAsync(context, 409, "AlreadyExists", $"{type.Plural} \"{name}\" already exists", type, name),
            _ => WriteJsonAsync(context, 201, created!),
        }).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, KubernetesResourceType type, string ns, string name)
    {
        var obj = await ReadObjectAsync(context).ConfigureAwait(false);
        var expected = (string?)obj["metadata"]?["resourceVersion"];
        JsonObject? updated = null;
        var status = 200;
        lock (_gate)
        {
            if (!_objects.TryGetValue((type, ns, name), out var existing))
            {
                status = 404;
            }
            else if (!string.IsNullOrEmpty(expected) && expected != (string?)existing["metadata"]!["resourceVersion"])
            {
                status = 409;
            }
            else
            {
                updated = Store(type, ns, name, obj, existing).DeepClone().AsObject();
            }
        }

        await (status switch
        {
            404 => NotFoundAsync(context, type, name),
            409 => WriteStatusAsync(context, 409, "Conflict", $"Operation cannot be fulfilled on {type.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", type, name),
            _ => WriteJsonAsync(context, 200, updated!),
        }).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, KubernetesResourceType type, string ns, string name)
    {
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            await WriteStatusAsync(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})").ConfigureAwait(false);
            return;
        }

        var patch = await ReadObjectAsync(context).ConfigureAwait(false);
        JsonObject? patched = null;
        lock (_gate)
        {
            if (_objects.TryGetValue((type, ns, name), out var existing))
            {
                var merged = (JsonObject)JsonMergePatch.Apply(existing, patch)!;
                patched = Store(type, ns, name, merged, existing).DeepClone().AsObject();
            }
        }

        await (patched is null ? NotFoundAsync(context, type, name) : WriteJsonAsync(context, 200, patched)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, KubernetesResourceType type, string ns, string name)
    {
        JsonObject? deleted;
        lock (_gate)
        {
            deleted = Remove(type, ns, name);
        }

        await (deleted is null ? NotFoundAsync(context, type, name) : WriteJsonAsync(context, 200, deleted)).ConfigureAwait(false);
    }

    private async Task TokenRequestAsync(HttpContext context, string ns, string name)
    {
        var request = await ReadObjectAsync(context).ConfigureAwait(false);
        var spec = request["spec"] as JsonObject ?? [];
        var audiences = (spec["audiences"] as JsonArray)?.Select(a => (string?)a ?? "").ToArray() is { Length: > 0 } given ? given : [FakeServiceAccountTokens.Issuer];
        var seconds = spec["expirationSeconds"] is JsonValue e ? (long)e : 3600;
        if (seconds < 600)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 10 minutes").ConfigureAwait(false);
            return;
        }

        string? uid;
        lock (_gate)
        {
            uid = _objects.TryGetValue((KubernetesResourceType.ServiceAccounts, ns, name), out var account) ? (string?)account["metadata"]!["uid"] : null;
        }

        if (uid is null)
        {
            await NotFoundAsync(context, KubernetesResourceType.ServiceAccounts, name).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        var token = _tokens.Sign(ns, name, uid, audiences, now, seconds);
        request["kind"] = "TokenRequest";
        request["apiVersion"] = "authentication.k8s.io/v1";
        request["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = Timestamp(now) };
        spec["audiences"] = new JsonArray([.. audiences.Select(a => JsonValue.Create(a))]);
        spec["expirationSeconds"] = seconds;
        request["spec"] = spec;
        request["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = Timestamp(now.AddSeconds(seconds)) };
        await WriteJsonAsync(context, 201, request).ConfigureAwait(false);
    }

    private async Task TokenReviewAsync(HttpContext context)
    {
        var review = await ReadObjectAsync(context).ConfigureAwait(false);
        var spec = review["spec"] as JsonObject ?? [];
        var token = (string?)spec["token"] ?? "";
        var wanted = (spec["audiences"] as JsonArray)?.Select(a => (string?)a ?? "").ToArray() ?? [];
        review["kind"] = "TokenReview";
        review["apiVersion"] = "authentication.k8s.io/v1";
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        review["status"] = Review(token, wanted);
        await WriteJsonAsync(context, 201, review).ConfigureAwait(false);
    }

    private JsonObject Review(string token, string[] wanted)
    {
        static JsonObject Refused(string error) => new() { ["authenticated"] = false, ["user"] = new JsonObject(), ["error"] = error };
        string[] serverAudiences = [FakeServiceAccountTokens.Issuer];
        lock (_gate)
        {
            if (_userTokens.TryGetValue(token, out var user))
            {
                if (_reviewAudiencesIgnoredAnswering is { } answered)
                {
                    var ignoring = new JsonObject
                    {
                        ["authenticated"] = true,
                        ["user"] = new JsonObject { ["username"] = user.User, ["groups"] = new JsonArray([.. user.Groups.Append("system:authenticated").Select(g => JsonValue.Create(g))]) },
                    };
                    if (answered.Length > 0)
                    {
                        ignoring["audiences"] = new JsonArray([.. answered.Select(a => JsonValue.Create(a))]);
                    }

                    return ignoring;
                }

                var accepted = wanted.Length == 0 ? serverAudiences : wanted.Intersect(serverAudiences).ToArray();
                return accepted.Length == 0
                    ? Refused("[invalid bearer token, token audiences are invalid]")
                    : new JsonObject
                    {
                        ["authenticated"] = true,
                        ["user"] = new JsonObject { ["username"] = user.User, ["groups"] = new JsonArray([.. user.Groups.Append("system:authenticated").Select(g => JsonValue.Create(g))]) },
                        ["audiences"] = new JsonArray([.. accepted.Select(a => JsonValue.Create(a))]),
                    };
            }
        }

        var claims = _tokens.Verify(token);
        if (claims is null)
        {
            return Refused("invalid bearer token");
        }

        if ((long)claims["exp"]! <= _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return Refused("[invalid bearer token, service account token has expired]");
        }

        var audiences = claims["aud"]!.AsArray().Select(a => (string?)a ?? "").ToArray();
        var matched = (wanted.Length == 0 ? serverAudiences : wanted).Intersect(audiences).ToArray();
        if (matched.Length == 0)
        {
            return Refused("[invalid bearer token, token audiences are invalid]");
        }

        var ns = (string)claims["kubernetes.io"]!["namespace"]!;
        var name = (string)claims["kubernetes.io"]!["serviceaccount"]!["name"]!;
        var uid = (string)claims["kubernetes.io"]!["serviceaccount"]!["uid"]!;
        lock (_gate)
        {
            if (!_objects.TryGetValue((KubernetesResourceType.ServiceAccounts, ns, name), out var account) || (string?)account["metadata"]!["uid"] != uid)
            {
                return Refused("[invalid bearer token, service account token has been invalidated]");
            }
        }

        return new JsonObject
        {
            ["authenticated"] = true,
            ["user"] = new JsonObject
            {
                ["username"] = $"system:serviceaccount:{ns}:{name}",
                ["uid"] = uid,
                ["groups"] = new JsonArray("system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"),
            },
            ["audiences"] = new JsonArray([.. matched.Select(a => JsonValue.Create(a))]),
        };
    }

    private async Task WatchAsync(HttpContext context, KubernetesResourceType type, string? ns, string? name)
    {
        var selector = Selector.Parse(context.Request.Query);
        if (name is not null)
        {
            selector = selector with { Name = name };
        }

        var from = (string?)context.Request.Query["resourceVersion"];
        var watch = new Watch(type, ns, selector);
        var backlog = new List<string>();
        var stale = false;
        lock (_gate)
        {
            if (string.IsNullOrEmpty(from) || from == "0")
            {
                foreach (var ((t, n, _), obj) in _objects)
                {
                    if (watch.Matches(t, n, obj))
                    {
                        backlog.Add(EventLine("ADDED", obj));
                    }
                }
            }
            else if (!long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < _oldestWatchable)
            {
                backlog.Add(EventLine("ERROR", StatusObject(410, "Expired", $"too old resource version: {from} ({_oldestWatchable})")));
                stale = true;
            }
            else
            {
                foreach (var (v, t, eventType, obj) in _history)
                {
                    if (v > version && watch.Matches(t, (string?)obj["metadata"]!["namespace"] ?? "", obj))
                    {
                        backlog.Add(EventLine(eventType, obj));
                    }
                }
            }

            foreach (var line in backlog)
            {
                watch.Events.Writer.TryWrite(line);
            }

            if (stale)
            {
                watch.Events.Writer.TryComplete();
            }

            if (!stale)
            {
                _watches.Add(watch);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await foreach (var line in watch.Events.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                await context.Response.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(watch);
            }
        }
    }

    // Called under _gate: stamps metadata, stores, records history and tells the watches.
    private JsonObject Store(KubernetesResourceType type, string ns, string name, JsonObject obj, JsonObject? existing)
    {
        var version = ++_resourceVersion;
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        obj["kind"] = type.Kind;
        obj["apiVersion"] = type.ApiVersion;
        metadata["name"] = name;
        if (type.Namespaced)
        {
            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }

        var existingMetadata = existing?["metadata"];
        metadata["uid"] = (string?)existingMetadata?["uid"] ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = (string?)existingMetadata?["creationTimestamp"] ?? Timestamp(_time.GetUtcNow());
        metadata["resourceVersion"] = Rv(version);
        var specChanged = existing is null || !JsonNode.DeepEquals(existing["spec"], obj["spec"]);
        var generation = existingMetadata?["generation"] is JsonValue g ? (long)g : 0;
        metadata["generation"] = specChanged ? generation + 1 : generation;
        if (type == KubernetesResourceType.Namespaces)
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }

        _objects[(type, ns, name)] = obj;
        Emit(version, type, existing is null ? "ADDED" : "MODIFIED", obj);
        return obj;
    }

    // Called under _gate.
    private JsonObject? Remove(KubernetesResourceType type, string ns, string name)
    {
        if (!_objects.Remove((type, ns, name), out var obj))
        {
            return null;
        }

        if (type == KubernetesResourceType.Namespaces)
        {
            foreach (var key in _objects.Keys.Where(k => k.Type.Namespaced && k.Namespace == name).ToList())
            {
                Remove(key.Type, key.Namespace, key.Name);
            }
        }

        var version = ++_resourceVersion;
        obj["metadata"]!["resourceVersion"] = Rv(version);
        Emit(version, type, "DELETED", obj);
        return obj;
    }

    // Called under _gate.
    private void Emit(long version, KubernetesResourceType type, string eventType, JsonObject obj)
    {
        var snapshot = obj.DeepClone().AsObject();
        _history.Add((version, type, eventType, snapshot));
        var ns = (string?)snapshot["metadata"]!["namespace"] ?? "";
        foreach (var watch in _watches)
        {
            if (watch.Matches(type, ns, snapshot))
            {
                watch.Events.Writer.TryWrite(EventLine(eventType, snapshot));
            }
        }
    }

    private static string EventLine(string eventType, JsonObject obj) =>
        new JsonObject { ["type"] = eventType, ["object"] = obj.DeepClone() }.ToJsonString(Compact) + "\n";

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        return node as JsonObject ?? throw new JsonException("expected a JSON object");
    }

    private static string? ValidateName(KubernetesResourceType type, string name)
    {
        if (type == KubernetesResourceType.Namespaces)
        {
            return name.Length <= 63 && DnsLabel().IsMatch(name)
                ? null
                : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
        }

        return name.Length <= 253 && DnsSubdomain().IsMatch(name)
            ? null
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    }

    private static Task NotFoundAsync(HttpContext context, KubernetesResourceType type, string name) =>
        WriteStatusAsync(context, 404, "NotFound", $"{type.Plural} \"{name}\" not found", type, name);

    private static JsonObject StatusObject(int code, string reason, string message, KubernetesResourceType? type = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (type is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural };
        }

        return status;
    }

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message, KubernetesResourceType? type = null, string? name = null) =>
        WriteJsonAsync(context, code, StatusObject(code, reason, message, type, name));

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private static string Rv(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static string Timestamp(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    private sealed class Watch(KubernetesResourceType type, string? ns, Selector selector)
    {
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

        public bool Matches(KubernetesResourceType t, string n, JsonObject obj) => t == type && (ns is null || n == ns) && selector.Matches(obj);
    }

    // Equality label selectors (a=b,c) and the metadata.name / metadata.namespace field selectors.
    private sealed record Selector(IReadOnlyList<(string Key, string? Value)> Labels, string? Name, string? Namespace)
    {
        public static Selector Parse(IQueryCollection query)
        {
            var labels = new List<(string, string?)>();
            foreach (var part in ((string?)query["labelSelector"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var at = part.IndexOf('=', StringComparison.Ordinal);
                labels.Add(at < 0 ? (part, null) : (part[..at], part[(at + 1)..].TrimStart('=')));
            }

            string? name = null, ns = null;
            foreach (var part in ((string?)query["fieldSelector"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var pair = part.Split('=', 2);
                if (pair is ["metadata.name", var n])
                {
                    name = n.TrimStart('=');
                }
                else if (pair is ["metadata.namespace", var s])
                {
                    ns = s.TrimStart('=');
                }
            }

            return new Selector(labels, name, ns);
        }

        public bool Matches(JsonObject obj)
        {
            var metadata = obj["metadata"];
            if ((Name is not null && (string?)metadata?["name"] != Name) || (Namespace is not null && (string?)metadata?["namespace"] != Namespace))
            {
                return false;
            }

            var labels = metadata?["labels"] as JsonObject;
            foreach (var (key, value) in Labels)
            {
                if (labels?[key] is not JsonValue actual || (value is not null && (string?)actual != value))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
