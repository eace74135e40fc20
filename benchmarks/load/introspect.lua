-- POST /v1/introspect (RFC 7662): validates the API key run.sh created (MAAS_LOAD_KEY).
dofile("report.lua")
dofile("identity.lua")
wrk.method = "POST"
wrk.body = "token=" .. (os.getenv("MAAS_LOAD_KEY") or "")
wrk.headers = identity("load-gateway")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
