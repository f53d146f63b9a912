-- wrk script for bench/dcs: POSTs the request bodies of a file (one JSON document per line) in
-- turn, and prints the outcome as one JSON line. All requests are formatted before the run, so
-- the load generator does as little work per request as it can.
local requests = {}
local count = 0
local next_index = 0

function init(args)
  for line in io.lines(args[1]) do
    count = count + 1
    requests[count] = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, line)
  end
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
