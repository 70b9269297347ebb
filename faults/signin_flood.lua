-- wrk script of faults/signin_flood.py: wrong-password sign-ins, each from a random client
-- address (X-Forwarded-For, trusted by the service in this test) and for a random username,
-- so that no per-address or per-username limit stops them before the password pool.
-- FLOOD_SPREAD=0: every request from the same address and username instead.
local spread = os.getenv("FLOOD_SPREAD") ~= "0"
local threads = {}
c401, c429, c503, cother = 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local user, ip = "flood.victim", "192.0.2.200"
  if spread then
    user = string.format("flood%07d", math.random(0, 9999999))
    ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  end
  wrk.headers["X-Forwarded-For"] = ip
  return wrk.format(nil, "/auth/token", nil,
    '{"username":"' .. user .. '","password":"wrong-password-of-the-flood"}')
end

function response(status, headers, body)
  if status == 401 then c401 = c401 + 1
  elseif status == 429 then c429 = c429 + 1
  elseif status == 503 then c503 = c503 + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local t = { 0, 0, 0, 0 }
  for _, thread in ipairs(threads) do
    t[1] = t[1] + thread:get("c401")
    t[2] = t[2] + thread:get("c429")
    t[3] = t[3] + thread:get("c503")
    t[4] = t[4] + thread:get("cother")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p99_ms=%.1f s401=%d s429=%d s503=%d other=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    t[1], t[2], t[3], t[4], e.connect + e.read + e.write + e.timeout))
end
