// Requests per client address per route group, counted in Redis so every web instance shares one count. A fixed
// window that starts at a client's first request: INCR, and the key's expiry set on the first hit. Redis being
// down must not take the service down, so the limiter then lets requests through (and says so in the log).
import type { NextFunction, Request, RequestHandler, Response } from "express";
import ipaddr from "ipaddr.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";

/** Requests allowed per window for each group; 0 = no limit. */
export interface RateLimits {
  windowMs: number;
  responseLinks: number;
  api: number;
  inbound: number;
}

// One round trip, atomic: the count after adding ARGV[2] hits, and how long the window has left.
const HIT = `local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

// A limiter that waits on a dead Redis would hold every request; give up quickly and let the request through.
const REDIS_TIMEOUT_MS = 250;
const FAIL_OPEN_LOG_EVERY_MS = 10_000;

/**
 * The client as the limit counts it: Express's req.ip (X-Forwarded-For only from TRUST_PROXY's proxies), an
 * IPv4-mapped IPv6 address as IPv4, and IPv6 by its /64 (one host usually holds a whole /64).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  let key = recentKeys.get(ip);
  if (key === undefined) {
    key = keyOf(ip);
    // Parsing an address for every request was a few per cent of a burst's CPU; most come from few addresses.
    if (recentKeys.size >= 1000) recentKeys.clear();
    recentKeys.set(ip, key);
  }
  return key;
}
const recentKeys = new Map<string, string>();

function keyOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return "unknown";
  const addr = ipaddr.process(ip);
  if (addr.kind() === "ipv4") return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}

type Hit = { count: number; ttlMs: number };

export class RateLimiter {
  private lastFailOpenLog = 0;
  /**
   * Hits that arrive in one turn of the event loop are counted together, one INCRBY per client, when the turn
   * ends (setImmediate: no added wait). A burst of Slack requests (one client: Slack's address) cost one script
   * call each before, sent with its text, about a tenth of the web role's CPU in the burst, all before the ack.
   */
  private pending: { key: string; resolve: (hit: Hit | undefined) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {
    // EVALSHA: the script's text crosses the wire once per connection, not with every call.
    if (!("rateLimitHit" in redis)) redis.defineCommand("rateLimitHit", { numberOfKeys: 1, lua: HIT });
  }

  /** Middleware for one group: 429 with Retry-After once the client's count passes `limit`. */
  middleware(group: string, limit: number): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (limit <= 0) return next();
      this.hit(`${this.prefix}:ratelimit:${group}:${clientKey(req.ip)}`).then((r) => {
        if (!r || r.count <= limit) return next();
        const seconds = Math.max(1, Math.ceil(r.ttlMs / 1000));
        // Once per client and window, not once per refused request: a flood must not flood the log too.
        if (r.count === limit + 1) this.logger.warn({ group, ip: req.ip }, "rate limit reached");
        res.set("Retry-After", String(seconds)).status(429);
        res.json({ error: { code: "rate_limited", message: `Too many requests; try again in ${seconds} seconds` } });
      }, next);
    };
  }

  private hit(key: string): Promise<Hit | undefined> {
    return new Promise((resolve) => {
      this.pending.push({ key, resolve });
      if (this.flushing) return;
      this.flushing = true;
      setImmediate(() => {
        this.flushing = false;
        const batch = this.pending;
        this.pending = [];
        // Redis runs one connection's calls in order, so a later batch's counts follow this one's.
        void this.hitAll(batch.map((b) => b.key)).then((hits) => {
          for (const [i, b] of batch.entries()) b.resolve(hits[i]);
        });
      });
    });
  }

  /**
   * Counts a batch of hits: each key's hits in one call, and each hit its own count, in the order they came (so
   * exactly `limit` of a burst get through). Undefined for all when Redis did not answer (fail open).
   */
  private async hitAll(keys: string[]): Promise<(Hit | undefined)[]> {
    const perKey = new Map<string, number>();
    for (const k of keys) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    const hit = (this.redis as unknown as { rateLimitHit(k: string, w: number, n: number): Promise<[number, number]> })
      .rateLimitHit;
    let timer: NodeJS.Timeout | undefined;
    try {
      const replies = await Promise.race([
        Promise.all([...perKey].map(([k, n]) => hit.call(this.redis, k, this.windowMs, n))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), REDIS_TIMEOUT_MS);
        }),
      ]);
      const next = new Map<string, Hit>();
      for (const [i, [k, n]] of [...perKey].entries()) {
        const [count, ttlMs] = replies[i]!;
        next.set(k, { count: Number(count) - n + 1, ttlMs: Number(ttlMs) });
      }
      return keys.map((k) => {
        const h = next.get(k)!;
        return { count: h.count++, ttlMs: h.ttlMs };
      });
    } catch (err) {
      const now = Date.now();
      if (now - this.lastFailOpenLog >= FAIL_OPEN_LOG_EVERY_MS) {
        this.lastFailOpenLog = now;
        this.logger.warn(
          { error: (err as Error).message.slice(0, 200) },
          "rate limiter unavailable: letting requests through",
        );
      }
      return keys.map(() => undefined);
    } finally {
      clearTimeout(timer);
    }
  }
}
