-- wrk script of the Samenspel benchmark (bench/run.py).
--
-- By default wrk sends its plain GET with the headers given by -H (the session cookie).
-- With BENCH_CSRF_TOKEN in the environment every request posts a new comment to the URL,
-- form-encoded as the comment form of a conversation page sends it; the server answers
-- with a redirect.
--
-- done() prints one JSON line that run.py reads: requests, duration, errors and the
-- latency percentiles in milliseconds. wrk counts a response with a status above 399 as
-- a "status" error, so anything but 2xx/3xx is an error.

local function urlencode(text)
  return (string.gsub(text, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

-- Every wrk thread loads this file into a Lua state of its own, so this runs per thread.
local token = os.getenv("BENCH_CSRF_TOKEN")
if token and token ~= "" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  -- A random prefix per thread keeps the comment texts apart.
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  local prefix = string.format("%06d", math.random(0, 999999))
  local counter = 0

  -- Defined only for the write: without request() wrk sends one static request.
  function request()
    counter = counter + 1
    local body = "csrf_token=" .. urlencode(token)
      .. "&body=" .. urlencode("Reactie uit de belastingtest " .. prefix .. "-" .. counter
        .. ": de wachttijd blijft een punt van zorg.")
    return wrk.format(nil, nil, nil, body)
  end
end

local function ms(microseconds)
  return string.format("%.3f", microseconds / 1000)
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {
    '"requests":' .. summary.requests,
    '"duration_s":' .. string.format("%.3f", summary.duration / 1000000),
    '"bytes":' .. summary.bytes,
    '"errors":{"connect":' .. e.connect .. ',"read":' .. e.read .. ',"write":' .. e.write
      .. ',"status":' .. e.status .. ',"timeout":' .. e.timeout .. "}",
    '"latency_ms":{"mean":' .. ms(latency.mean) .. ',"max":' .. ms(latency.max)
      .. ',"p50":' .. ms(latency:percentile(50)) .. ',"p90":' .. ms(latency:percentile(90))
      .. ',"p95":' .. ms(latency:percentile(95)) .. ',"p99":' .. ms(latency:percentile(99))
      .. "}",
  }
  io.write("BENCH-JSON " .. "{" .. table.concat(parts, ",") .. "}\n")
end
