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

// One round trip, atomic: the count and how long the window has left.
const HIT = `local n = redis.call('INCR', KEYS[1])
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
  if (!ip || !ipaddr.isValid(ip)) return "unknown";
  const addr = ipaddr.process(ip);
  if (addr.kind() === "ipv4") return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}

export class RateLimiter {
  private lastFailOpenLog = 0;
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {}

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

  /** The count so far in this window, or undefined when Redis did not answer (fail open). */
  private async hit(key: string): Promise<{ count: number; ttlMs: number } | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = (await Promise.race([
        this.redis.eval(HIT, 1, key, this.windowMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), REDIS_TIMEOUT_MS);
        }),
      ])) as [number, number];
      return { count: Number(reply[0]), ttlMs: Number(reply[1]) };
    } catch (err) {
      const now = Date.now();
      if (now - this.lastFailOpenLog >= FAIL_OPEN_LOG_EVERY_MS) {
        this.lastFailOpenLog = now;
        this.logger.warn(
          { error: (err as Error).message.slice(0, 200) },
          "rate limiter unavailable: letting requests through",
        );
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
