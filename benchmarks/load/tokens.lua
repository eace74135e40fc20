-- POST /v1/tokens: one ES256 token per request for one premium user.
dofile("report.lua")
dofile("identity.lua")
wrk.method = "POST"
wrk.body = '{"expiration":"4h"}'
wrk.headers = identity("load-user")
wrk.headers["Content-Type"] = "application/json"
