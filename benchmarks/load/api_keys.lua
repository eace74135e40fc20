-- POST /v1/api-keys: one new key per request, spread over 64 users (so no single owner's list
-- grows without bound). Requests are formatted once per thread, then replayed.
dofile("report.lua")
dofile("identity.lua")
local requests = {}
local next = 0

function init(args)
   for i = 1, 64 do
      local headers = identity("load-user-" .. i)
      headers["Content-Type"] = "application/json"
      requests[i] = wrk.format("POST", "/v1/api-keys", headers, '{"name":"load key","expiration":"1h"}')
   end
end

function request()
   next = next % #requests + 1
   return requests[next]
end
