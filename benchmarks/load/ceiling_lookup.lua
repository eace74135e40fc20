-- Ceiling: a bare endpoint hashing the bearer credential (SHA-256) and probing a dictionary.
dofile("report.lua")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer sk-maas-baseline"
