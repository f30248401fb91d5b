-- wrk script: POSTs the generated OTLP/protobuf payloads in rotation and
-- counts responses by status code (back-pressure shows up as 503/429).
--
-- wrk ... -s post_payloads.lua <url> -- <payload dir> <traces|logs> <files>
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local dir, prefix, n = args[1], args[2], tonumber(args[3])
  bodies = {}
  for i = 0, n - 1 do
    local f = assert(io.open(string.format("%s/%s-%03d.pb", dir, prefix, i), "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  -- Threads start at different files.
  idx = math.random(#bodies)
  codes = {}
  headers = { ["Content-Type"] = "application/x-protobuf" }
end

function request()
  idx = idx % #bodies + 1
  return wrk.format("POST", wrk.path, headers, bodies[idx])
end

function response(status, hdrs, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("codes")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local line = "status"
  for status, n in pairs(total) do
    line = line .. string.format(" %d=%d", status, n)
  end
  io.write(line .. "\n")
  io.write(string.format("errors connect=%d read=%d write=%d timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency_us p50=%d p99=%d max=%d\n",
    latency:percentile(50), latency:percentile(99), latency.max))
end
