// The destination limiter's Redis scripts (see destination-limiter.ts): each runs atomically, so a slot is never
// taken twice and a waiter never lost between a release and a refusal. Keys: a destination's slots (a sorted set
// of holders by expiry), its waiting list (a sorted set of parked jobs by when they first waited) and the waiters
// a holder took over (a sorted set by when the holder's slot runs out).

// KEYS: slots, waiting. ARGV: now, limit, slot expiry, holder, slots TTL, waiter ('' for none).
// A waiter that gets its slot leaves the waiting list, so a stale entry cannot wake it later (say, mid-backoff).
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if ARGV[6] ~= '' then redis.call('ZREM', KEYS[2], ARGV[6]) end
  return 1
end
return 0`;

// KEYS: slots, waiting, previous slots, previous waiting. ARGV: as ACQUIRE, then the previous holder. Frees a slot
// held at another destination and takes one here, in one round trip: a run of sends to distinct destinations (one
// batch) passes from one to the next. Returns whether the slot was taken, and the previous destination's next
// waiter to wake (or false).
const SWAP = `
local parked = false
redis.call('ZREM', KEYS[3], ARGV[7])
parked = redis.call('ZPOPMIN', KEYS[4])[1] or false
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if ARGV[6] ~= '' then redis.call('ZREM', KEYS[2], ARGV[6]) end
  return {1, parked}
end
return {0, parked}`;

// KEYS: slots, waiting. ARGV: now, limit, waiter, waiting TTL. A job parks in order of its first refusal (NX keeps
// its place when it parks again). A slot freed between the refusal and now found nobody to wake: wake one now.
const PARK = `
redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  return redis.call('ZPOPMIN', KEYS[2])[1]
end
return false`;

// KEYS: slots, waiting. ARGV: holder ('' to only pop). Frees the slot and hands back the next waiter to wake.
const RELEASE = `
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return redis.call('ZPOPMIN', KEYS[2])[1]`;

// KEYS: waiting. ARGV: now, waiting TTL, waiters... Jobs queued delayed, in this order, behind the ones sent now.
const PARK_QUEUED = `
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'NX', tonumber(ARGV[1]) + (i - 3) / 1000, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`;

// KEYS: slots, waiting, taken. ARGV: holder, new expiry, now, taken TTL. The holder keeps its slot (with a fresh
// expiry) to run the next waiter itself, and the waiter is listed as taken over until that expiry, so that its own
// job, should it run meanwhile, leaves the work to the holder; with nobody waiting the slot is freed.
const TAKE_OVER = `
local next = redis.call('ZPOPMIN', KEYS[2])[1]
if next then
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[2], next)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return next
end
redis.call('ZREM', KEYS[1], ARGV[1])
return false`;

// KEYS: slots. ARGV: holder, new expiry. A handed-on slot gets a fresh expiry (if it has not expired already).
const EXTEND = `return redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[2], ARGV[1])`;

/** The scripts by command name, each with how many of its arguments are keys. */
export const SCRIPTS = {
  limiterAcquire: { lua: ACQUIRE, keys: 2 },
  limiterSwap: { lua: SWAP, keys: 4 },
  limiterPark: { lua: PARK, keys: 2 },
  limiterParkQueued: { lua: PARK_QUEUED, keys: 1 },
  limiterRelease: { lua: RELEASE, keys: 2 },
  limiterExtend: { lua: EXTEND, keys: 1 },
  limiterTakeOver: { lua: TAKE_OVER, keys: 3 },
};
