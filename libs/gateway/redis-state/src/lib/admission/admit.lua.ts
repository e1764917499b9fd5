import { countsTokens, WINDOW_SECONDS, type WindowName } from './admission.types';

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
 * Cost: a request pays only for the limits it carries (KEYS and ARGV name only
 * those, each kind in an optional section), and reads nothing that cannot refuse
 * it: holds of crashed requests in the concurrency sets and budgets are purged
 * only when they could make the difference (the credit holds, whose total the
 * control plane shows, at every admission); the record is one string written
 * with SET NX, which also detects a duplicate id on the admitted path; a window
 * that already started is counted with one HINCRBY; expiries are set when a key
 * is created, or extended with one PEXPIRE GT (docs/limits.md, What admission costs).
 *
 * Layout (built by `admissionCall`):
 *   KEYS[1] admission record; then one HASH per window; then one ZSET per
 *   concurrency limit; then the calls and tokens quota counters, each when
 *   limited; then per budget its spend HASH and holds ZSET; then, when the
 *   request holds credit, balance, holds ZSET, hold amounts HASH, held total.
 *   ARGV: request id, hold TTL ms, record TTL ms, reserved tokens, window count;
 *   per window its name (rpm, rph, rpd, tpm, tph, tpd) and limit; then only
 *   the sections the request carries, in this order, each a letter and its values:
 *     c: count, then each concurrency limit's maximum;
 *     q: calls limit (-1 = none), tokens limit (-1 = none), period end (epoch s);
 *     b: count, hold micros, then per budget its limit micros and period end
 *        (epoch s, -1 for a total budget);
 *     k: credit micros to hold.
 * Record (a string, read by settlement): reserved tokens, credit micros (-1 = none),
 *   token quota 0|1, then the window index charged in each token window, by spaces.
 * Reply: admitted {1, request limit, remaining, reset, token limit, remaining, reset}
 *   (-1 where there is no such window); refused {0, the same six, refused kind,
 *   its index, retry after s}; a request id admitted before {-1}.
 */
export const ADMIT_LUA = `
local time = redis.call('TIME')
local nowSec = tonumber(time[1])
local nowMs = nowSec * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Lua turns large numbers into exponent notation; Redis wants integer strings.
local function int(value)
  return string.format('%d', value)
end

-- Window name -> {seconds, counts tokens}.
local WINDOWS = {${windowTable()}}

local record = KEYS[1]
local requestId = ARGV[1]
local holdTtlMs = tonumber(ARGV[2])
local recordTtlMs = ARGV[3]
local reservedTokens = tonumber(ARGV[4])
local windowCount = tonumber(ARGV[5])
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
local argIndex = 5

-- Fixed windows: HASH {w = window index since the epoch, n = used}; a stale index counts as empty.
local windows = {}
for i = 1, windowCount do
  local key = KEYS[keyIndex + i]
  local window = WINDOWS[ARGV[argIndex + 1]]
  local limit = tonumber(ARGV[argIndex + 2])
  argIndex = argIndex + 2
  local seconds, isTokens = window[1], window[2]
  local current = math.floor(nowSec / seconds)
  local stored = redis.call('HMGET', key, 'w', 'n')
  local used = 0
  local started = tonumber(stored[1]) == current
  if started then used = tonumber(stored[2]) or 0 end
  local cost = 1
  if isTokens then cost = reservedTokens end
  local reset = (current + 1) * seconds
  -- The charged index as Redis holds it: read back when the window started, formatted once when it starts.
  local charged = stored[1]
  if not started then charged = int(current) end
  windows[i] = {key = key, isTokens = isTokens, limit = limit, used = used, cost = cost, charged = charged, reset = reset, started = started}
  if used + cost > limit then refuse(2, 'window', i, secondsUntil(reset)) end
end
keyIndex = keyIndex + windowCount

-- The optional sections, in their fixed order.
local function section(letter)
  if ARGV[argIndex + 1] ~= letter then return false end
  argIndex = argIndex + 1
  return true
end

-- Concurrency: ZSET request id -> hold deadline; holds past their deadline belong to crashed requests. They are
-- purged only when the set is full: until then they cannot refuse anybody (and readers count live holds by deadline).
local slots = {}
if section('c') then
  local count = tonumber(ARGV[argIndex + 1])
  argIndex = argIndex + 1
  for i = 1, count do
    local key = KEYS[keyIndex + i]
    local limit = tonumber(ARGV[argIndex + i])
    local inUse = redis.call('ZCARD', key)
    if inUse > 0 and inUse + 1 > limit then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs)
      inUse = redis.call('ZCARD', key)
    end
    slots[i] = {key = key, isNew = inUse == 0}
    if inUse + 1 > limit then refuse(1, 'concurrency', i, 1) end
  end
  keyIndex = keyIndex + count
  argIndex = argIndex + count
end

local callsKey, tokensKey, periodEnd
if section('q') then
  local callsLimit, tokensLimit = tonumber(ARGV[argIndex + 1]), tonumber(ARGV[argIndex + 2])
  periodEnd = tonumber(ARGV[argIndex + 3])
  argIndex = argIndex + 3
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
-- spent + held + this request's maximum cost must fit; when it does not, holds of crashed requests are released and
-- it is checked again (until then they cannot refuse anybody).
-- A total budget never renews (waiting cannot fix it); a day or month budget renews at its period's end.
local budgets = {}
local budgetHold
if section('b') then
  local count = tonumber(ARGV[argIndex + 1])
  budgetHold = ARGV[argIndex + 2]
  local budgetMicros = tonumber(budgetHold)
  argIndex = argIndex + 2
  for i = 1, count do
    local spendKey, holdsKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2]
    local limit = tonumber(ARGV[argIndex + 1])
    local budgetEnd = tonumber(ARGV[argIndex + 2])
    keyIndex = keyIndex + 2
    argIndex = argIndex + 2
    local state = redis.call('HMGET', spendKey, 'spent', 'held')
    local spent, held = tonumber(state[1]), tonumber(state[2])
    if held and held > 0 and (spent or 0) + held + budgetMicros > limit then
      local released = releaseExpiredHolds(holdsKey, spendKey)
      if released > 0 then held = redis.call('HINCRBY', spendKey, 'held', int(-released)) end
    end
    budgets[i] = {spendKey = spendKey, holdsKey = holdsKey, periodEnd = budgetEnd, isNew = not spent and not held, held = held or 0}
    if (spent or 0) + (held or 0) + budgetMicros > limit then
      if budgetEnd < 0 then refuse(4, 'budget', i, 0) else refuse(3, 'budget', i, secondsUntil(budgetEnd)) end
    end
  end
end

-- Credits: available = balance - live holds. Expired holds are released first.
local creditHold, balanceKey, holdsKey, amountsKey, heldKey = '-1'
if section('k') then
  creditHold = ARGV[argIndex + 1]
  local creditMicros = tonumber(creditHold)
  balanceKey, holdsKey, amountsKey, heldKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2], KEYS[keyIndex + 3], KEYS[keyIndex + 4]
  local released = releaseExpiredHolds(holdsKey, amountsKey)
  if released > 0 and redis.call('DECRBY', heldKey, int(released)) <= 0 then redis.call('DEL', heldKey) end
  local state = redis.call('MGET', balanceKey, heldKey)
  local available = (tonumber(state[1]) or 0) - (tonumber(state[2]) or 0)
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
  if redis.call('EXISTS', record) == 1 then return {-1} end
  return {0, requests[1], requests[2], requests[3], tokens[1], tokens[2], tokens[3], failKind, failIndex, failRetry}
end

-- The record first: a request id admitted before is refused before anything is written.
local recordFields = {ARGV[4], creditHold, tokensKey and '1' or '0'}
for _, w in ipairs(windows) do
  if w.isTokens then recordFields[#recordFields + 1] = w.charged end
end
if not redis.call('SET', record, table.concat(recordFields, ' '), 'NX', 'PX', recordTtlMs) then
  return {-1}
end

for _, w in ipairs(windows) do
  if w.started then
    if w.isTokens then redis.call('HINCRBY', w.key, 'n', ARGV[4]) else redis.call('HINCRBY', w.key, 'n', 1) end
  else
    -- The admission that starts a window sets its expiry; settlement only corrects a window that exists.
    redis.call('HSET', w.key, 'w', w.charged, 'n', int(w.cost))
    redis.call('EXPIREAT', w.key, int(w.reset + 1))
  end
end

-- Keys holding holds expire with their last hold, so a crash leaves nothing behind. A key this script creates gets
-- its expiry; an existing one (always created here, so it has one) is only ever extended.
local function extendTtl(key, isNew)
  if isNew then redis.call('PEXPIRE', key, holdTtlMs) else redis.call('PEXPIRE', key, holdTtlMs, 'GT') end
end
for _, slot in ipairs(slots) do
  redis.call('ZADD', slot.key, int(deadline), requestId)
  extendTtl(slot.key, slot.isNew)
end

-- Quota counters outlive their period by a day; a stale projection's past period end must not delete them at once.
if periodEnd then
  local quotaExpiry = int(math.max(periodEnd, nowSec) + 86400)
  if callsKey then
    redis.call('INCR', callsKey)
    redis.call('EXPIREAT', callsKey, quotaExpiry)
  end
  if tokensKey then
    redis.call('INCRBY', tokensKey, ARGV[4])
    redis.call('EXPIREAT', tokensKey, quotaExpiry)
  end
end

-- A day or month budget's keys outlive their period by a day (a settlement may come after its end); a total one's never
-- expire. The expiry is set when a key is created: the spend hash when it did not exist, the holds set whenever nothing
-- was held (it is deleted when its last hold goes).
for _, budget in ipairs(budgets) do
  redis.call('ZADD', budget.holdsKey, int(deadline), requestId)
  redis.call('HSET', budget.spendKey, requestId, budgetHold, 'held', int(budget.held + tonumber(budgetHold)))
  if budget.periodEnd >= 0 then
    local expiry = int(math.max(budget.periodEnd + 86400, math.ceil(deadline / 1000) + 1))
    if budget.isNew then redis.call('EXPIREAT', budget.spendKey, expiry) end
    if budget.held == 0 then redis.call('EXPIREAT', budget.holdsKey, expiry) end
  end
end

-- The held total exists exactly while some hold has an amount (it is deleted when it reaches 0): when this request
-- creates it, the three keys get their expiry (holds left without an amount, if any, change nobody's balance).
if balanceKey then
  redis.call('ZADD', holdsKey, int(deadline), requestId)
  redis.call('HSET', amountsKey, requestId, creditHold)
  local isNew = redis.call('INCRBY', heldKey, creditHold) == tonumber(creditHold)
  extendTtl(holdsKey, isNew)
  extendTtl(amountsKey, isNew)
  extendTtl(heldKey, isNew)
end

return {1, requests[1], requests[2], requests[3], tokens[1], tokens[2], tokens[3]}
`;

/** The script's table of windows, from the one definition of their lengths (admission.types.ts). */
function windowTable(): string {
  return (Object.keys(WINDOW_SECONDS) as WindowName[]).map((name) => `${name} = {${WINDOW_SECONDS[name]}, ${countsTokens(name)}}`).join(', ');
}
