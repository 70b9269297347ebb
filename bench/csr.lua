-- POST /csr/decode with an RSA-2048 CSR (the body is prepared by run.sh in $BENCH_CSR_BODY).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local body

function init(args)
  load_pairs()
  local f = assert(io.open(os.getenv("BENCH_CSR_BODY")))
  body = f:read("*a")
  f:close()
end

function request()
  local p = next_pair()
  return wrk.format("POST", "/csr/decode", {
    ["Authorization"] = "Bearer " .. p[1],
    ["Content-Type"] = "application/json",
  }, body)
end
