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

// KEYS: several destinations' slots. ARGV: now, limit, slot expiry, slots TTL, then a holder per key. Takes a slot
// at each destination that has one free, in one round trip: a batch of sends to distinct destinations takes them
// all as it starts. Returns, per key, whether its slot was taken (1) or not (0).
const ACQUIRE_ALL = `
local taken = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1])
  if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4 + i])
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
    taken[i] = 1
  else
    taken[i] = 0
  end
end
return taken`;

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

// KEYS: n destinations' slots, then their n waiting lists. ARGV: a holder per destination. Frees the slots taken by
// ACQUIRE_ALL and hands back, per destination, its next waiter to wake (or false).
const RELEASE_ALL = `
local n = #ARGV
local parked = {}
for i = 1, n do
  redis.call('ZREM', KEYS[i], ARGV[i])
  parked[i] = redis.call('ZPOPMIN', KEYS[n + i])[1] or false
end
return parked`;

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

// KEYS: slots. ARGV: holder, new expiry, slots TTL. A handed-on or renewed slot gets a fresh expiry (if it has not
// expired already), and so does the destination's key: left as its last ACQUIRE set it, the key would vanish under
// a holder that keeps its slot longer (a lane), and with it the count that keeps others to the limit.
const EXTEND = `
local changed = redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return changed`;

// KEYS: several destinations' slots. ARGV: new expiry, slots TTL, then a holder per key. EXTEND for all of a
// batch's slots.
const EXTEND_ALL = `
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', ARGV[1], ARGV[2 + i])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 0`;

/** A script, and how many of its arguments are keys (absent: the caller gives that count first). */
type Script = { lua: string; keys?: number };

const scripts = {
  limiterAcquire: { lua: ACQUIRE, keys: 2 },
  limiterAcquireAll: { lua: ACQUIRE_ALL },
  limiterReleaseAll: { lua: RELEASE_ALL },
  limiterExtendAll: { lua: EXTEND_ALL },
  limiterPark: { lua: PARK, keys: 2 },
  limiterParkQueued: { lua: PARK_QUEUED, keys: 1 },
  limiterRelease: { lua: RELEASE, keys: 2 },
  limiterExtend: { lua: EXTEND, keys: 1 },
  limiterTakeOver: { lua: TAKE_OVER, keys: 3 },
};

/** The scripts by command name. */
export const SCRIPTS: Record<keyof typeof scripts, Script> = scripts;
