-- wrk: POST the tail-sampling template with fresh trace ids per request
-- (16 ASCII bytes: request counter, trace index). Run with -t1 so that the
-- counter is one. args: <template dir> <stop after N requests, 0 = never>
local segs, cuts, counter, limit = {}, {}, 0, 0

function init(args)
  local dir = args[1]
  limit = tonumber(args[2] or "0")
  local f = io.open(dir .. "/cuts.txt")
  for line in f:lines() do cuts[#cuts + 1] = tonumber(line) end
  f:close()
  for i = 0, #cuts do
    local s = io.open(dir .. "/seg-" .. i .. ".bin", "rb")
    segs[i] = s:read("*a")
    s:close()
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-protobuf"
end

function request()
  counter = counter + 1
  if limit > 0 and counter > limit then wrk.thread:stop() end
  local pre, parts = string.format("%08x", counter), {segs[0]}
  for i = 1, #cuts do
    parts[#parts + 1] = pre .. string.format("%08x", cuts[i])
    parts[#parts + 1] = segs[i]
  end
  return wrk.format(nil, nil, nil, table.concat(parts))
end

