-- GET /orders?limit=5&cursor=<id>: the owner's list, at its deepest page (the pairs' ids are
-- cursors near the end of each account's orders, see grow.sh).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

function init(args) load_pairs() end

function request()
  local p = next_pair()
  return wrk.format("GET", "/orders?limit=5&cursor=" .. p[2], { ["Authorization"] = "Bearer " .. p[1] })
end
