-- GET /v1/models: the models the caller's tier may use.
dofile("report.lua")
dofile("identity.lua")
wrk.method = "GET"
wrk.headers = identity("load-user")
