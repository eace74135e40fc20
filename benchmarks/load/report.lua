-- Shared by every script: one machine-readable line for run.sh after wrk's own summary.
-- Latencies are microseconds; "failed" counts non-2xx/3xx answers plus socket errors.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("@@ rps=%.1f p50_us=%d p99_us=%d requests=%d failed=%d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50.0), latency:percentile(99.0),
      summary.requests, e.status + e.connect + e.read + e.write + e.timeout))
end
