-- GET /events?limit=5&after=<id>: the account's events feed, deep in its history (the pairs'
-- ids are event ids near the end of each account's events, see grow.sh).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

function init(args) load_pairs() end

function request()
  local p = next_pair()
  return wrk.format("GET", "/events?limit=5&after=" .. p[2], { ["Authorization"] = "Bearer " .. p[1] })
end
