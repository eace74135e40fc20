using StackExchange.Redis;

namespace Maas.Gateway.Limits;

/// <summary>
/// The server-side steps of <see cref="RedisLimitCounter"/>: each is one Lua script, so it is one
/// round trip and atomic on Redis (no other call of any replica interleaves).
/// </summary>
/// <remarks>
/// <para>
/// A partition is one hash: <c>rs</c>/<c>rt</c> and <c>ts</c>/<c>tt</c> are when the request and
/// token windows opened, <c>rc</c>/<c>tc</c> what they counted. Times are .NET ticks split into
/// whole seconds and the ticks within the second, because Lua numbers are doubles: ticks since
/// year 1 (6e17) are not exact in a double, but a difference of the two parts is, so window ends
/// are exact to the tick, like the in-memory counter's. Times come from the calling replica's
/// <see cref="TimeProvider"/> as arguments (never Redis's <c>TIME</c>), so fake clocks work and
/// replicas agree as far as their clocks do: a replica whose clock is behind sees a window that
/// another opened as still open a little longer, never a negative one.
/// </para>
/// <para>
/// The prepared <see cref="LuaScript"/> is evaluated through
/// <see cref="IDatabaseAsync.ScriptEvaluateAsync(LuaScript, object?, CommandFlags)"/>: StackExchange.Redis
/// sends the script once per connection and <c>EVALSHA</c> after that, and sends it again when a
/// restarted server answers <c>NOSCRIPT</c>. A <see cref="LoadedLuaScript"/> would only send the hash
/// and is not resilient to restarts (the library's own documentation), which an outage test is.
/// Window starts are stored as the argument strings themselves.
/// </para>
/// <para>
/// Counts are exact although Lua computes them in doubles: every count and correction is clamped
/// to 0..<c>maxCount</c> (<see cref="LimitWindows.MaxCount"/>, 2^50) as it is read, whatever the
/// hash or the arguments hold, so a sum of two is below 2^51 and every result is written back
/// saturated, never wrapped (and a saturated token count stays so until its window ends, as the
/// in-memory counter's does); nothing a call sends can make a script fail (an overflowing
/// <c>HINCRBY</c> was one way), which the counter would otherwise take for an outage.
/// </para>
/// <para>
/// Budgets (<see cref="LimitBudgets"/>) are a list of rules in the same hash: each rule's field
/// (<c>b:tokens-month</c>) holds the start of the period it counted, as the decimal UTC ticks the
/// replica computed (compared as strings, never as numbers), and <c>&lt;field&gt;:c</c> its count.
/// Periods are aligned to the calendar, so a rule's count is the current period's only while its
/// stored start equals the current start the caller passes; otherwise it counts from zero. The
/// rules come as one argument, <c>@budgets</c>: five words per rule (field, <c>r</c> or <c>t</c>
/// for requests or tokens, limit, period start, the period's end in whole seconds like <c>nowSeconds</c>, rounded up, so
/// the key lives until the longest period ends), an empty string for none.
/// </para>
/// </remarks>
internal static class RedisLimitScripts
{
    /// <summary>
    /// The start both scripts share: the partition's <c>key</c>, <c>cap</c> (<c>@maxCount</c>), <c>clamp</c>
    /// (a count as read, within 0..<c>cap</c>), and <c>correct_budgets(delta, fields)</c>, which applies a
    /// pending settlement of the token budgets: <c>delta</c> (bounded to ±<c>cap</c>; 0 is none) to each
    /// <c>field start</c> pair of <c>fields</c> whose stored period start is that start, saturated, and
    /// not to a count already saturated. One text, so the two scripts cannot correct budgets differently.
    /// </summary>
    private const string Common = """
        local key = @key
        local cap = tonumber(@maxCount)
        local function clamp(n)
          n = tonumber(n) or 0
          if n < 0 then return 0 elseif n > cap then return cap end
          return n
        end
        local function correct_budgets(delta, fields)
          if delta == 0 then return end
          if delta > cap then delta = cap elseif delta < -cap then delta = -cap end
          local p = {}
          for w in string.gmatch(fields, '%S+') do p[#p + 1] = w end
          for i = 1, #p - 1, 2 do
            local v = redis.call('HMGET', key, p[i], p[i] .. ':c')
            if v[1] == p[i + 1] and clamp(v[2]) < cap then
              redis.call('HSET', key, p[i] .. ':c', clamp(clamp(v[2]) + delta))
            end
          end
        end
        """;

    /// <summary>
    /// Applies the replica's pending settlement of the partition (<c>pendingDelta</c> tokens to the
    /// token window that started at <c>pendingSeconds</c>/<c>pendingTicks</c>, only while that window
    /// is open and within 0..<c>maxCount</c>, as <see cref="Settle"/> does; a delta of 0 is none), then admits or
    /// refuses one call, counting it and its <c>estimate</c> saturated at <c>maxCount</c>. Returns <c>{allowed, rc, r_elapsed|nil, tc, t_elapsed|nil, ts, tt, added, b1, b2, …}</c>:
    /// elapsed ticks of each open window (nil when none is open), the token window's start, how
    /// many tokens the call reserved (the estimate, less what saturation cut off), then what each
    /// budget rule counted in its current period after the call. A pending settlement of the token
    /// budgets (<c>pendingBudgetDelta</c> to each <c>field start</c> pair of <c>pendingBudgets</c>, only
    /// while that period is the one counted) is applied first, like the token window's.
    /// </summary>
    public static readonly LuaScript Acquire = LuaScript.Prepare($$"""
        {{Common}}
        local now_s = tonumber(@nowSeconds)
        local now_t = tonumber(@nowTicks)
        local r_len = tonumber(@requestWindow)
        local t_len = tonumber(@tokenWindow)
        local r_limit = tonumber(@requestLimit)
        local t_limit = tonumber(@tokenLimit)
        local s = redis.call('HMGET', key, 'rs', 'rt', 'rc', 'ts', 'tt', 'tc')
        correct_budgets(tonumber(@pendingBudgetDelta), @pendingBudgets)
        local b = {}
        for w in string.gmatch(@budgets, '%S+') do b[#b + 1] = w end
        local bc = {}
        local b_full = false
        for i = 1, #b - 4, 5 do
          local v = redis.call('HMGET', key, b[i], b[i] .. ':c')
          local c = 0
          if v[1] == b[i + 3] then c = clamp(v[2]) end
          bc[#bc + 1] = c
          local lim = tonumber(b[i + 2])
          if lim > 0 and c >= lim then b_full = true end
        end
        local delta = tonumber(@pendingDelta)
        if delta > cap then delta = cap elseif delta < -cap then delta = -cap end
        if delta ~= 0 and s[4] == @pendingSeconds and s[5] == @pendingTicks then
          local el = (now_s - tonumber(s[4])) * 10000000 + (now_t - tonumber(s[5]))
          if el < t_len and clamp(s[6]) < cap then
            s[6] = clamp(clamp(s[6]) + delta)
            redis.call('HSET', key, 'tc', s[6])
          end
        end
        local rc, tc, r_el, t_el = 0, 0, false, false
        if s[1] then
          local el = (now_s - tonumber(s[1])) * 10000000 + (now_t - tonumber(s[2]))
          if el < r_len then r_el = el; rc = clamp(s[3]) end
        end
        if s[4] then
          local el = (now_s - tonumber(s[4])) * 10000000 + (now_t - tonumber(s[5]))
          if el < t_len then t_el = el; tc = clamp(s[6]) end
        end
        if (r_limit > 0 and rc >= r_limit) or (t_limit > 0 and tc >= t_limit) or b_full then
          local refused = {0, rc, r_el, tc, t_el, false, false, 0}
          for i = 1, #bc do refused[8 + i] = bc[i] end
          return refused
        end
        local opened = false
        if not r_el then
          redis.call('HSET', key, 'rs', @nowSeconds, 'rt', @nowTicks, 'rc', 0)
          r_el = 0
          opened = true
        end
        local ts, tt = s[4], s[5]
        if not t_el then
          redis.call('HSET', key, 'ts', @nowSeconds, 'tt', @nowTicks, 'tc', 0)
          t_el = 0
          ts, tt = @nowSeconds, @nowTicks
          opened = true
        end
        rc = clamp(rc + 1)
        local added = clamp(tc + clamp(@estimate)) - tc
        tc = tc + added
        redis.call('HSET', key, 'rc', rc, 'tc', tc)
        local result = {1, rc, r_el, tc, t_el, ts, tt, added}
        local b_left = 0
        for i = 1, #bc do
          local f = (i - 1) * 5 + 1
          local c = bc[i]
          if c == 0 then
            redis.call('HSET', key, b[f], b[f + 3])
            opened = true
          end
          if b[f + 1] == 'r' then c = clamp(c + 1) else c = clamp(c + clamp(@estimate)) end
          redis.call('HSET', key, b[f] .. ':c', c)
          result[8 + i] = c
          b_left = math.max(b_left, (tonumber(b[f + 4]) - now_s) * 1000)
        end
        if opened then
          local left = math.max(r_len - r_el, t_len - t_el)
          local want = math.max(math.ceil(left / 10000), b_left) + tonumber(@expirySlack)
          -- Never shorter than it was: another key of the partition may count a longer period here.
          local ttl = redis.call('PTTL', key)
          if ttl < want then redis.call('PEXPIRE', key, want) end
        end
        return result
        """);

    /// <summary>
    /// Sends a pending settlement on its own, for a partition with no acquire to carry it: adds <c>delta</c> (real count minus reservation) to the token count, only in the window
    /// that started at <c>startSeconds</c>/<c>startTicks</c> and only while it is open; within 0..<c>maxCount</c>.
    /// Then adds <c>budgetDelta</c> to each token budget of <c>budgets</c> (<c>field start</c> pairs) whose
    /// stored period start is that start, as <see cref="Acquire"/> applies a pending one.
    /// Returns 1 when the token window's correction was applied, 0 when that window had ended.
    /// </summary>
    public static readonly LuaScript Settle = LuaScript.Prepare($$"""
        {{Common}}
        correct_budgets(tonumber(@budgetDelta), @budgets)
        local s = redis.call('HMGET', key, 'ts', 'tt', 'tc')
        if s[1] ~= @startSeconds or s[2] ~= @startTicks then
          return 0
        end
        local el = (tonumber(@nowSeconds) - tonumber(s[1])) * 10000000 + (tonumber(@nowTicks) - tonumber(s[2]))
        if el >= tonumber(@tokenWindow) then
          return 0
        end
        local delta = tonumber(@delta)
        if delta > cap then delta = cap elseif delta < -cap then delta = -cap end
        local tc = tonumber(s[3]) or 0
        if tc < 0 then tc = 0 elseif tc >= cap then return 1 end
        tc = tc + delta
        if tc < 0 then tc = 0 elseif tc > cap then tc = cap end
        redis.call('HSET', key, 'tc', tc)
        return 1
        """);
}
