// Baseline copy of libs/gateway/redis-state/src/lib/admission/admit.lua.ts before issue 23, measured by bench/admission-cost.ts.
/**
 * Checks every limit of one request and reserves them all, or none.
 *
 * Atomicity: Redis runs a script alone, so no other admission or settlement, from
 * any gateway replica, interleaves between the checks and the reservations. The
 * script first evaluates every check, then writes only if all passed; the only
 * writes on a refusal are purges of holds that had already expired.
 *
 * Clock: Redis server time (TIME), one clock for every replica. Redis 7 replicates
 * a script's effects, not the script, so a non-deterministic clock is safe.
 *
 * Layout (built by `admissionCall`):
 *   KEYS[1] admission record; then one key per window; one ZSET per concurrency
 *   limit; the calls and tokens quota counters when limited; per budget its spend
 *   HASH and holds ZSET; then, when the request holds credit, balance, holds ZSET,
 *   hold amounts HASH, held total.
 *   ARGV[1..12] request id, hold TTL ms, record TTL ms, reserved tokens, credit
 *   micros (-1 = none), window count, concurrency count, calls quota (-1 = none),
 *   tokens quota (-1 = none), period end (epoch s), budget count, budget hold
 *   micros; then per window (tokens 0|1, seconds, limit); then per concurrency
 *   limit its maximum; then per budget (limit micros, period end epoch s or -1
 *   for a total budget).
 * Reply: {status (1 admitted, 0 refused, -1 duplicate id), refused kind, its index,
 *   retry after s, request limit, remaining, reset, token limit, remaining, reset}
 *   with -1 where there is no such window.
 */
export const ADMIT_LUA = `
local time = redis.call('TIME')
local nowSec = tonumber(time[1])
local nowMs = nowSec * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Lua turns large numbers into exponent notation; Redis wants integer strings.
local function int(value)
  return string.format('%d', value)
end

local record = KEYS[1]
if redis.call('EXISTS', record) == 1 then
  return {-1}
end

local requestId = ARGV[1]
local holdTtlMs = tonumber(ARGV[2])
local recordTtlMs = tonumber(ARGV[3])
local reservedTokens = tonumber(ARGV[4])
local creditMicros = tonumber(ARGV[5])
local windowCount = tonumber(ARGV[6])
local concurrencyCount = tonumber(ARGV[7])
local callsLimit = tonumber(ARGV[8])
local tokensLimit = tonumber(ARGV[9])
local periodEnd = tonumber(ARGV[10])
local budgetCount = tonumber(ARGV[11])
local budgetMicros = tonumber(ARGV[12])
local deadline = nowMs + holdTtlMs

-- One refusal is reported: the one waiting cannot fix first (a total budget, then
-- credits), then the longest wait (quota and day or month budgets, then windows by
-- retry time), concurrency last.
local failPriority, failKind, failIndex, failRetry = 0, '', 0, 0
local function refuse(priority, kind, index, retry)
  if priority > failPriority or (priority == failPriority and retry > failRetry) then
    failPriority, failKind, failIndex, failRetry = priority, kind, index, retry
  end
end
local function secondsUntil(epochSec)
  local seconds = math.ceil((epochSec * 1000 - nowMs) / 1000)
  if seconds < 1 then return 1 end
  return seconds
end

local keyIndex = 1
local argIndex = 12

-- Fixed windows: HASH {w = window index since the epoch, n = used}; a stale index counts as empty.
local windows = {}
for i = 1, windowCount do
  local key = KEYS[keyIndex + i]
  local isTokens = ARGV[argIndex + 1] == '1'
  local seconds = tonumber(ARGV[argIndex + 2])
  local limit = tonumber(ARGV[argIndex + 3])
  argIndex = argIndex + 3
  local current = math.floor(nowSec / seconds)
  local stored = redis.call('HMGET', key, 'w', 'n')
  local used = 0
  local started = tonumber(stored[1]) == current
  if started then used = tonumber(stored[2]) or 0 end
  local cost = 1
  if isTokens then cost = reservedTokens end
  local reset = (current + 1) * seconds
  windows[i] = {key = key, isTokens = isTokens, limit = limit, used = used, cost = cost, current = current, reset = reset, started = started}
  if used + cost > limit then refuse(2, 'window', i, secondsUntil(reset)) end
end
keyIndex = keyIndex + windowCount

-- Concurrency: ZSET request id -> hold deadline; holds past their deadline belong to crashed requests.
local slots = {}
for i = 1, concurrencyCount do
  local key = KEYS[keyIndex + i]
  local limit = tonumber(ARGV[argIndex + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs)
  slots[i] = key
  if redis.call('ZCARD', key) + 1 > limit then refuse(1, 'concurrency', i, 1) end
end
keyIndex = keyIndex + concurrencyCount
argIndex = argIndex + concurrencyCount

local callsKey, tokensKey
if callsLimit >= 0 then
  keyIndex = keyIndex + 1
  callsKey = KEYS[keyIndex]
  if (tonumber(redis.call('GET', callsKey)) or 0) + 1 > callsLimit then
    refuse(3, 'quota_calls', 1, secondsUntil(periodEnd))
  end
end
if tokensLimit >= 0 then
  keyIndex = keyIndex + 1
  tokensKey = KEYS[keyIndex]
  if (tonumber(redis.call('GET', tokensKey)) or 0) + reservedTokens > tokensLimit then
    refuse(3, 'quota_tokens', 1, secondsUntil(periodEnd))
  end
end

-- Holds of crashed requests (ZSET request id -> deadline, amounts in a HASH by request id) whose deadline has
-- passed are dropped from both; returns the sum of their amounts, for the caller's running total.
local function releaseExpiredHolds(holdsKey, amountsKey)
  local released = 0
  while true do
    local expired = redis.call('ZRANGEBYSCORE', holdsKey, '-inf', nowMs, 'LIMIT', 0, 500)
    if #expired == 0 then return released end
    local amounts = redis.call('HMGET', amountsKey, unpack(expired))
    for j = 1, #expired do released = released + (tonumber(amounts[j]) or 0) end
    redis.call('ZREM', holdsKey, unpack(expired))
    redis.call('HDEL', amountsKey, unpack(expired))
  end
end

-- Budgets of a key or team, per period: HASH {spent, held, request id -> its hold} and ZSET request id -> deadline.
-- Holds of crashed requests are released first; spent + held + this request's maximum cost must fit.
-- A total budget never renews (waiting cannot fix it); a day or month budget renews at its period's end.
local budgets = {}
for i = 1, budgetCount do
  local spendKey, holdsKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2]
  local limit = tonumber(ARGV[argIndex + 1])
  local budgetEnd = tonumber(ARGV[argIndex + 2])
  keyIndex = keyIndex + 2
  argIndex = argIndex + 2
  local released = releaseExpiredHolds(holdsKey, spendKey)
  if released > 0 then redis.call('HINCRBY', spendKey, 'held', int(-released)) end
  local state = redis.call('HMGET', spendKey, 'spent', 'held')
  local spent, held = tonumber(state[1]), tonumber(state[2])
  budgets[i] = {spendKey = spendKey, holdsKey = holdsKey, periodEnd = budgetEnd, isNew = not spent and not held, held = held or 0}
  if (spent or 0) + (held or 0) + budgetMicros > limit then
    if budgetEnd < 0 then refuse(4, 'budget', i, 0) else refuse(3, 'budget', i, secondsUntil(budgetEnd)) end
  end
end

-- Credits: available = balance - live holds. Expired holds are released first.
local balanceKey, holdsKey, amountsKey, heldKey
if creditMicros >= 0 then
  balanceKey, holdsKey, amountsKey, heldKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2], KEYS[keyIndex + 3], KEYS[keyIndex + 4]
  local released = releaseExpiredHolds(holdsKey, amountsKey)
  if released > 0 and redis.call('DECRBY', heldKey, int(released)) <= 0 then redis.call('DEL', heldKey) end
  local available = (tonumber(redis.call('GET', balanceKey)) or 0) - (tonumber(redis.call('GET', heldKey)) or 0)
  if available < creditMicros then refuse(4, 'credits', 1, 0) end
end

local admitted = failPriority == 0

local function tightest(wantTokens)
  local best = nil
  for _, w in ipairs(windows) do
    if w.isTokens == wantTokens then
      local remaining = w.limit - w.used
      if admitted then remaining = remaining - w.cost end
      if remaining < 0 then remaining = 0 end
      if best == nil or remaining < best[2] or (remaining == best[2] and w.limit < best[1]) then
        best = {w.limit, remaining, w.reset}
      end
    end
  end
  return best or {-1, -1, -1}
end
local requests = tightest(false)
local tokens = tightest(true)

if not admitted then
  return {0, failKind, failIndex, failRetry, requests[1], requests[2], requests[3], tokens[1], tokens[2], tokens[3]}
end

local recordFields = {'tok', ARGV[4], 'cr', ARGV[5], 'dl', int(deadline)}
for _, w in ipairs(windows) do
  redis.call('HSET', w.key, 'w', int(w.current), 'n', int(w.used + w.cost))
  -- The admission that started the window set its expiry; settlement only corrects a window that exists.
  if not w.started then redis.call('EXPIREAT', w.key, int(w.reset + 1)) end
  if w.isTokens then
    recordFields[#recordFields + 1] = w.key
    recordFields[#recordFields + 1] = int(w.current)
  end
end

-- Keys holding holds expire with their last hold, so a crash leaves nothing behind.
local function extendTtl(key)
  if redis.call('PTTL', key) < holdTtlMs then redis.call('PEXPIRE', key, holdTtlMs) end
end
for _, key in ipairs(slots) do
  redis.call('ZADD', key, int(deadline), requestId)
  extendTtl(key)
end

-- Quota counters outlive their period by a day; a stale projection's past period end must not delete them at once.
local quotaExpiry = int(math.max(periodEnd, nowSec) + 86400)
if callsKey then
  redis.call('INCR', callsKey)
  redis.call('EXPIREAT', callsKey, quotaExpiry)
end
if tokensKey then
  redis.call('INCRBY', tokensKey, ARGV[4])
  redis.call('EXPIREAT', tokensKey, quotaExpiry)
  recordFields[#recordFields + 1] = 'qt'
  recordFields[#recordFields + 1] = '1'
end

-- A day or month budget's keys outlive their period by a day (a settlement may come after its end); a total one's never
-- expire. The expiry is set when a key is created: the spend hash when it did not exist, the holds set whenever nothing
-- was held (it is deleted when its last hold goes).
for _, budget in ipairs(budgets) do
  redis.call('ZADD', budget.holdsKey, int(deadline), requestId)
  redis.call('HSET', budget.spendKey, requestId, ARGV[12], 'held', int(budget.held + budgetMicros))
  if budget.periodEnd >= 0 then
    local expiry = int(math.max(budget.periodEnd + 86400, math.ceil(deadline / 1000) + 1))
    if budget.isNew then redis.call('EXPIREAT', budget.spendKey, expiry) end
    if budget.held == 0 then redis.call('EXPIREAT', budget.holdsKey, expiry) end
  end
end

if balanceKey then
  redis.call('ZADD', holdsKey, int(deadline), requestId)
  redis.call('HSET', amountsKey, requestId, ARGV[5])
  redis.call('INCRBY', heldKey, ARGV[5])
  extendTtl(holdsKey)
  extendTtl(amountsKey)
  extendTtl(heldKey)
end

redis.call('HSET', record, unpack(recordFields))
redis.call('PEXPIRE', record, recordTtlMs)

return {1, '', 0, 0, requests[1], requests[2], requests[3], tokens[1], tokens[2], tokens[3]}
`;
