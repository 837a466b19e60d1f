// Chat platforms limit posts per channel (Slack: about one message a second). Every worker shares this
// schedule in Redis, so a burst is spread out instead of answered with 429s. Also a per-referral lock, so two
// syncs of one thread never run at once (they would post the same items twice).
import { randomUUID } from "node:crypto";
import type { Redis } from "../redis.js";

// Returns 0 and books the slot when the channel is free, else the milliseconds until it is.
const TAKE = `
local now = tonumber(ARGV[1])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now >= nextAt then
  redis.call('SET', KEYS[1], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) * 10)
  return 0
end
return nextAt - now`;

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class ChatChannelLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly intervalMs: number,
  ) {}

  /** 0 when a message may be sent to this channel now (and the slot is taken), else how long to wait. */
  async take(platform: string, channelId: string, now = Date.now()): Promise<number> {
    // 0 means no limit (CHAT_CHANNEL_INTERVAL_MS allows it); Redis would refuse a key that expires after 0 ms.
    if (this.intervalMs <= 0) return 0;
    return Number(
      await this.redis.eval(TAKE, 1, `${this.prefix}:chatrate:${platform}:${channelId}`, now, this.intervalMs),
    );
  }

  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomUUID();
    const ok = await this.redis.set(key, token, "PX", ttlMs, "NX");
    if (ok !== "OK") return undefined;
    return async () => {
      await this.redis.eval(UNLOCK, 1, key, token);
    };
  }
}
