-- wrk script of benchmarks/api_load.py: varied requests, status counts, one result line.
--
-- Run by api_load.py as `wrk ... -s benchmarks/api_load.lua <url> -- <mode> <plan file>`;
-- mode is `health`, `options` or `holds`.  The plan file (written by api_load.py) has one
-- item per line: `auth <key>`, `prefix <text>`, `hot_share <0..1>`, `slot <id>`,
-- `hot <id>`, `basket <merchant external id> <lon> <lat>`, `date <YYYY-MM-DD>`.
-- Every hold carries a unique Idempotency-Key (prefix, thread, counter); a share of the holds
-- goes to the few "hot" slots so that clients race for their last places (409 once full).

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

local function read_plan(path)
  local plan = { slots = {}, hot = {}, baskets = {}, hot_share = 0 }
  for line in io.lines(path) do
    local kind, rest = line:match("^(%S+)%s+(.*)$")
    if kind == "auth" then
      plan.auth = "Bearer " .. rest
    elseif kind == "prefix" then
      plan.prefix = rest
    elseif kind == "hot_share" then
      plan.hot_share = tonumber(rest)
    elseif kind == "slot" then
      table.insert(plan.slots, rest)
    elseif kind == "hot" then
      table.insert(plan.hot, rest)
    elseif kind == "date" then
      plan.date = rest
    elseif kind == "basket" then
      local merchant, lon, lat = rest:match("^(%S+)%s+(%S+)%s+(%S+)$")
      table.insert(plan.baskets, { merchant, lon, lat })
    end
  end
  return plan
end

function init(args)
  mode = args[1]
  plan = read_plan(args[2])
  math.randomseed(1000003 * (thread_id + 1) + os.time())
  counter = 0
  ok, refused, client_errors, server_errors = 0, 0, 0, 0
end

function request()
  if mode == "health" then
    return wrk.format("GET", "/health")
  end
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = plan.auth }
  if mode == "options" then
    local b = plan.baskets[math.random(#plan.baskets)]
    local body = string.format(
      '{"merchants":["%s"],"lon":%s,"lat":%s,"date":"%s","days":1,"limit":20}',
      b[1], b[2], b[3], plan.date
    )
    return wrk.format("POST", "/v1/options", headers, body)
  end
  counter = counter + 1
  local slot
  if #plan.hot > 0 and math.random() < plan.hot_share then
    slot = plan.hot[math.random(#plan.hot)]
  else
    slot = plan.slots[math.random(#plan.slots)]
  end
  headers["Idempotency-Key"] = string.format("%s-%d-%d", plan.prefix, thread_id, counter)
  return wrk.format("POST", "/v1/holds", headers, '{"slot_ids":[' .. slot .. ']}')
end

function response(status, headers, body)
  if status < 300 then
    ok = ok + 1
  elseif status == 409 then
    refused = refused + 1
  elseif status >= 500 then
    server_errors = server_errors + 1
  else
    client_errors = client_errors + 1
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, refused = 0, client_errors = 0, server_errors = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT seconds=%.3f requests=%d ok=%d refused=%d client_errors=%d server_errors=%d " ..
    "socket_errors=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.duration / 1e6, summary.requests, totals.ok, totals.refused, totals.client_errors,
    totals.server_errors, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000
  ))
end
