-- GET /orders/{id} with the owner's token.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

function init(args) load_pairs() end

function request()
  local p = next_pair()
  return wrk.format("GET", "/orders/" .. p[2], { ["Authorization"] = "Bearer " .. p[1] })
end
