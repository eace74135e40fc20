-- Ceiling: a bare endpoint signing one ES256 JWT-sized input per request.
dofile("report.lua")
wrk.method = "POST"
wrk.body = '{"expiration":"4h"}'
wrk.headers["Content-Type"] = "application/json"
