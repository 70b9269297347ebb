-- Shared by the wrk scenarios: rotates (token, order id) pairs read from $BENCH_PAIRS
-- (one "token order_id" per line, orders owned by the token's account) and prints one
-- machine-readable RESULT line when the run ends.
local threads_seen = 0

function setup(thread)
  thread:set("offset", threads_seen)
  threads_seen = threads_seen + 1
end

items = {}
idx = 0

function load_pairs()
  for line in io.lines(os.getenv("BENCH_PAIRS")) do
    local token, id = line:match("^(%S+) (%S+)$")
    if token then items[#items + 1] = { token, id } end
  end
  -- threads start at different places so that they rarely touch the same order
  idx = (offset or 0) * math.floor(#items / 2)
end

function next_pair()
  idx = idx % #items + 1
  return items[idx]
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
