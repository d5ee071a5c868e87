-- wrk script: each request asks for the next path of the file named by
-- BENCH_PATHS, the two wrk threads taking alternate paths, so no path is
-- asked for twice while there are paths left.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end

local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

local sent = 0
function request()
  local index = (sent * 2 + offset) % #paths + 1
  sent = sent + 1
  return wrk.format("GET", paths[index])
end
