-- POST /orders/{id}/documents/formulaire_signe: a 1 MiB PDF, once per submitted order (the
-- pairs' orders, see grow.sh); the body is read once from $BENCH_UPLOAD_BODY.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local body

function init(args)
  load_pairs()
  local f = assert(io.open(os.getenv("BENCH_UPLOAD_BODY"), "rb"))
  body = f:read("*a")
  f:close()
end

function request()
  local p = next_pair()
  return wrk.format("POST", "/orders/" .. p[2] .. "/documents/formulaire_signe", {
    ["Authorization"] = "Bearer " .. p[1],
    ["Content-Type"] = "multipart/form-data; boundary=certorder-bench-boundary",
  }, body)
end
