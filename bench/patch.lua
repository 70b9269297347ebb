-- PATCH /orders/{id}, alternating the duration between 12 and 24 months.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local bodies = { '{"duration_months": 12}', '{"duration_months": 24}' }
local n = 0

function init(args) load_pairs() end

function request()
  local p = next_pair()
  n = n + 1
  return wrk.format("PATCH", "/orders/" .. p[2], {
    ["Authorization"] = "Bearer " .. p[1],
    ["Content-Type"] = "application/json",
  }, bodies[n % 2 + 1])
end
