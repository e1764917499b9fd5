import { DAILY_TOKENS_TTL_SECONDS, MONTHLY_TOKENS_TTL_SECONDS } from './token-totals';

/** A settled record is kept this long only to answer `already_settled`; after that a repeat is `unknown`, also a no-op. */
export const SETTLED_RECORD_TTL_MS = 5 * 60_000;

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
 * Cost: the record is read and marked with one command each (GET, then SET of
 * the mark with its expiry), and the totals' expiries are set only when a key is
 * created (docs/limits.md, What admission costs).
 *
 * Layout (built by `settlementCall`):
 *   KEYS[1] admission record; then the concurrency ZSETs; then the token window
 *   keys; then the tokens quota counter when charged; then, when the request held
 *   credit, balance, holds ZSET, hold amounts HASH, held total; then per budget its
 *   spend HASH and holds ZSET; then, when totals are kept, the daily tokens HASH
 *   and the monthly tokens counter.
 *   ARGV: request id, actual tokens, actual cost micros; then only the sections
 *   the request needs, in this order, each a letter and its values:
 *     c: count of concurrency sets;  w: count of token windows;  q: (token quota);
 *     k: (credit);  b: count, then per budget its period end (epoch s, -1 for a
 *     total budget);  t: model id (token totals).
 * Reply: 'settled' | 'already_settled' | 'unknown'.
 */
export const SETTLE_LUA = `
local function int(value)
  return string.format('%d', value)
end

local record = KEYS[1]
local stored = redis.call('GET', record)
if not stored then return 'unknown' end
if stored == 'settled' then return 'already_settled' end
-- Written by the admission: reserved tokens, credit micros (-1 = none), token quota 0|1, then the window index
-- charged in each token window, in the order of the token window keys.
local admitted = {}
for field in string.gmatch(stored, '%S+') do admitted[#admitted + 1] = field end

local requestId = ARGV[1]
local actualTokens = tonumber(ARGV[2])
local actualCost = tonumber(ARGV[3])
local delta = actualTokens - tonumber(admitted[1])

local keyIndex = 1
local argIndex = 3
-- The optional sections, in their fixed order.
local function section(letter)
  if ARGV[argIndex + 1] ~= letter then return false end
  argIndex = argIndex + 1
  return true
end
local function count()
  argIndex = argIndex + 1
  return tonumber(ARGV[argIndex])
end

if section('c') then
  local slots = count()
  for i = 1, slots do
    redis.call('ZREM', KEYS[keyIndex + i], requestId)
  end
  keyIndex = keyIndex + slots
end

if section('w') then
  local windows = count()
  for i = 1, windows do
    local key = KEYS[keyIndex + i]
    local charged = admitted[3 + i]
    if delta ~= 0 and charged and redis.call('HGET', key, 'w') == charged then
      redis.call('HINCRBY', key, 'n', int(delta))
    end
  end
  keyIndex = keyIndex + windows
end

if section('q') then
  keyIndex = keyIndex + 1
  local quotaKey = KEYS[keyIndex]
  if delta ~= 0 and admitted[3] == '1' and redis.call('EXISTS', quotaKey) == 1 then
    redis.call('INCRBY', quotaKey, int(delta))
  end
end

if section('k') then
  if tonumber(admitted[2]) >= 0 then
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
  keyIndex = keyIndex + 4
end

if section('b') then
  local budgets = count()
  for i = 1, budgets do
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
      local budgetEnd = tonumber(ARGV[argIndex + i])
      if not hold and budgetEnd >= 0 and redis.call('TTL', spendKey) == -1 then redis.call('EXPIREAT', spendKey, int(budgetEnd + 86400)) end
    end
  end
  argIndex = argIndex + budgets
end

if section('t') and actualTokens > 0 then
  local dailyKey, monthlyKey = KEYS[keyIndex + 1], KEYS[keyIndex + 2]
  -- A total equal to this request's tokens is new (totals only grow): it gets its expiry then.
  if redis.call('HINCRBY', dailyKey, ARGV[argIndex + 1], ARGV[2]) == actualTokens then redis.call('EXPIRE', dailyKey, ${DAILY_TOKENS_TTL_SECONDS}) end
  if redis.call('INCRBY', monthlyKey, ARGV[2]) == actualTokens then redis.call('EXPIRE', monthlyKey, ${MONTHLY_TOKENS_TTL_SECONDS}) end
end

redis.call('SET', record, 'settled', 'PX', ${SETTLED_RECORD_TTL_MS})
return 'settled'
`;
