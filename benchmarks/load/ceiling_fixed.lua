-- Ceiling: a bare endpoint answering 201 with a fixed, token-sized JSON body.
dofile("report.lua")
wrk.method = "POST"
wrk.body = '{"expiration":"4h"}'
wrk.headers["Content-Type"] = "application/json"
