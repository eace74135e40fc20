-- POST .../v1/chat/completions: a small chat, not streamed, as an OpenAI client sends it, for the
-- data-plane rows (the simulator directly, the bare YARP proxy, Maas's gateway). The credential comes
-- from MAAS_LOAD_AUTHORIZATION (the whole header value, e.g. "Bearer sk-maas-..."; unset or empty: no
-- Authorization header), the model id from MAAS_LOAD_MODEL (default facebook/opt-125m).
dofile("report.lua")
local model = os.getenv("MAAS_LOAD_MODEL") or ""
if model == "" then model = "facebook/opt-125m" end
wrk.method = "POST"
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"Not really understood prompt"}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
local authorization = os.getenv("MAAS_LOAD_AUTHORIZATION") or ""
if authorization ~= "" then
   wrk.headers["Authorization"] = authorization
end
