// Baseline copy of libs/gateway/redis-state/src/lib/admission/settle.lua.ts before issue 23, measured by bench/admission-cost.ts.
/**
 * Settles one admitted request: frees its concurrency slots, replaces its token
 * reservation by the tokens actually used in the windows and quota it charged,
 * and replaces its credit hold by the actual cost.
 *
 * Idempotent: the admission record is marked settled in the same atomic script,
 * so a second settlement finds the mark (or, later, no record) and changes nothing.
 *
 * Token windows are corrected only while the window that was charged is still the
 * current one: once it has rolled over, its count no longer limits anybody.
 *
 * The tenant's token totals (daily per model, monthly) are added under the same
 * settled mark, so a repeated settlement never counts the tokens twice.
 *
 * Budgets: the request's hold is released and its actual cost added to the
 * period's spend, also when the hold had already expired (the cost is owed).
 *
 * Layout (built by `settlementCall`):
 *   KEYS[1] admission record; then the concurrency ZSETs; then the token window
 *   keys; then the tokens quota counter when charged; then, when the request held
 *   credit, balance, holds ZSET, hold amounts HASH, held total; then per budget its
 *   spend HASH and holds ZSET; then, when totals are kept, the daily tokens HASH
 *   and the monthly tokens counter.
 *   ARGV: request id, actual tokens, actual cost micros, concurrency count,
 *   token window count, quota tokens 0|1, credit 0|1, settled record TTL ms,
 *   totals 0|1, model id, daily TTL s, monthly TTL s, budget count; then per
 *   budget its period end (epoch s, -1 for a total budget).
 * Reply: 'settled' | 'already_settled' | 'unknown'.
 */
export const SETTLE_LUA = `
local function int(value)
  return string.format('%d', value)
end

local record = KEYS[1]
local state = redis.call('HMGET', record, 'tok', 'settled')
if not state[1] then return 'unknown' end
if state[2] then return 'already_settled' end

local requestId = ARGV[1]
local actualTokens = tonumber(ARGV[2])
local actualCost = tonumber(ARGV[3])
local concurrencyCount = tonumber(ARGV[4])
local tokenWindowCount = tonumber(ARGV[5])
local hasQuotaTokens = ARGV[6] == '1'
local hasCredit = ARGV[7] == '1'
local settledTtlMs = tonumber(ARGV[8])
local hasTotals = ARGV[9] == '1'
local delta = actualTokens - tonumber(state[1])

local keyIndex = 1
for i = 1, concurrencyCount do
  redis.call('ZREM', KEYS[keyIndex + i], requestId)
end
keyIndex = keyIndex + concurrencyCount

for i = 1, tokenWindowCount do
  local key = KEYS[keyIndex + i]
  local charged = redis.call('HGET', record, key)
  if delta ~= 0 and charged and redis.call('HGET', key, 'w') == charged then
    redis.call('HINCRBY', key, 'n', int(delta))
  end
end
keyIndex = keyIndex + tokenWindowCount

if hasQuotaTokens then
  keyIndex = keyIndex + 1
  local quotaKey = KEYS[keyIndex]
  if delta ~= 0 and redis.call('HGET', record, 'qt') and redis.call('EXISTS', quotaKey) == 1 then
    redis.call('INCRBY', quotaKey, int(delta))
  end
end

if hasCredit and tonumber(redis.call('HGET', record, 'cr')) >= 0 then
  local balanceKey, holdsKey, amountsKey, heldKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2], KEYS[keyIndex + 3], KEYS[keyIndex + 4]
  -- The hold is gone when it expired before this settlement: the cost is still owed.
  local held = redis.call('HGET', amountsKey, requestId)
  if held then
    redis.call('ZREM', holdsKey, requestId)
    redis.call('HDEL', amountsKey, requestId)
    if redis.call('DECRBY', heldKey, held) <= 0 then redis.call('DEL', heldKey) end
  end
  if actualCost ~= 0 then redis.call('DECRBY', balanceKey, ARGV[3]) end
end
if hasCredit then keyIndex = keyIndex + 4 end

local budgetCount = tonumber(ARGV[13])
for i = 1, budgetCount do
  local spendKey, holdsKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2]
  keyIndex = keyIndex + 2
  local state = redis.call('HMGET', spendKey, requestId, 'held', 'spent')
  local hold = tonumber(state[1])
  if hold then
    redis.call('ZREM', holdsKey, requestId)
    redis.call('HDEL', spendKey, requestId)
  end
  if hold or actualCost ~= 0 then
    redis.call('HSET', spendKey, 'held', int((tonumber(state[2]) or 0) - (hold or 0)), 'spent', int((tonumber(state[3]) or 0) + actualCost))
    -- Without its hold the hash may have expired and just been created again: it must not stay for ever.
    local budgetEnd = tonumber(ARGV[13 + i])
    if not hold and budgetEnd >= 0 and redis.call('TTL', spendKey) == -1 then redis.call('EXPIREAT', spendKey, int(budgetEnd + 86400)) end
  end
end

if hasTotals and actualTokens > 0 then
  local dailyKey, monthlyKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2]
  redis.call('HINCRBY', dailyKey, ARGV[10], ARGV[2])
  redis.call('EXPIRE', dailyKey, ARGV[11])
  redis.call('INCRBY', monthlyKey, ARGV[2])
  redis.call('EXPIRE', monthlyKey, ARGV[12])
end

redis.call('HSET', record, 'settled', '1')
redis.call('PEXPIRE', record, settledTtlMs)
return 'settled'
`;
