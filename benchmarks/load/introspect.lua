-- POST /v1/introspect (RFC 7662) as a gateway client (HTTP Basic, MAAS_LOAD_BASIC), for the
-- credential run.sh created (MAAS_LOAD_CREDENTIAL): an API key or a token.
dofile("report.lua")
wrk.method = "POST"
wrk.body = "token=" .. (os.getenv("MAAS_LOAD_CREDENTIAL") or "")
wrk.headers["Authorization"] = "Basic " .. (os.getenv("MAAS_LOAD_BASIC") or "")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
