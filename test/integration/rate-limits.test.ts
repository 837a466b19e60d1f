// Rate limits per client address on /r/*, /api/v1/* and the inbound endpoints, counted in Redis so that two web
// instances share one count: past the limit, 429 with Retry-After. Each group counts on its own, and a client
// behind the trusted proxy (X-Forwarded-For from loopback) has its own count.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RateLimiter } from "../../src/http/rate-limit.js";
import type { Service } from "../../src/main.js";
import { createRedis } from "../../src/redis.js";
import { capturingLogger, testConfig } from "../helpers/env.js";
import { ART_TOKEN, startTestService } from "../helpers/service.js";
import { commandBody, FakeSlackApi, signedSlackRequest } from "../helpers/slack.js";

const LIMIT = 3;
const slack = new FakeSlackApi("xoxb-limits");
const services: Service[] = [];
const logs = capturingLogger();
let a: string;
let b: string;

beforeAll(async () => {
  await slack.start();
  const config = testConfig({
    // A prefix of this file's run alone: the counters must not be shared with any other test's service.
    REDIS_PREFIX: `${inject("redisPrefix")}-limits-${randomUUID().slice(0, 6)}`,
    RATE_LIMIT_RESPONSE_LINKS: String(LIMIT),
    RATE_LIMIT_API: String(LIMIT),
    RATE_LIMIT_INBOUND: String(LIMIT),
    ART_API_TOKENS: `reports:${ART_TOKEN}`,
    INBOUND_EMAIL_SECRET: "inbound-secret-for-limit-tests",
    SLACK_SIGNING_SECRET: "slack-secret-for-limit-tests",
    SLACK_BOT_TOKEN: "xoxb-limits",
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: "C0LIMITS",
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: slack.url,
    TEAMS_REFERRALS_CHANNEL: "19:limits@thread.tacv2",
  });
  // Two web instances behind one imaginary load balancer.
  for (let i = 0; i < 2; i++) {
    services.push(await startTestService({ role: "web", config, logger: logs.logger }));
  }
  [a, b] = services.map((s) => s.url!) as [string, string];
});
afterAll(async () => {
  for (const s of services) await s.close();
  await slack.stop();
});

async function statuses(n: number, request: () => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request();
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe("rate limits", () => {
  it("answer 429 with Retry-After on /r/* past the limit, counted across instances", async () => {
    const link = (base: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/r/${"q".repeat(40)}`, { headers });
    expect(await statuses(2, () => link(a))).toEqual([404, 404]);
    expect(await statuses(1, () => link(b))).toEqual([404]);
    const refused = await link(b);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect((await link(a)).status).toBe(429);
    // Logged once for this client and window, however many requests were refused.
    expect(
      logs.lines.filter((l) => l.includes("rate limit reached") && l.includes('"group":"responses"')),
    ).toHaveLength(1);
    // Another client behind the trusted (loopback) proxy has its own count; other routes are not affected.
    expect((await link(a, { "x-forwarded-for": "198.51.100.7" })).status).toBe(404);
    expect((await fetch(`${a}/healthz`)).status).toBe(200);
  });

  it("limit the API", async () => {
    const report = () =>
      fetch(`${a}/api/v1/reports/placements?from=2026-01-01&to=2026-01-31`, {
        headers: { authorization: `Bearer ${ART_TOKEN}` },
      });
    expect(await statuses(LIMIT + 1, report)).toEqual([200, 200, 200, 429]);
  });

  it("limit each inbound endpoint on its own", async () => {
    const mail = () => fetch(`${a}/inbound/email`, { method: "POST", body: "x" });
    expect(await statuses(LIMIT + 1, mail)).toEqual([401, 401, 401, 429]);
    const slackEvent = () =>
      signedSlackRequest(`${a}/slack/events`, "wrong-secret", commandBody("U1")).then(
        (r) => new Response(r.text || null, { status: r.status }),
      );
    expect(await statuses(LIMIT + 1, slackEvent)).toEqual([401, 401, 401, 429]);
    const teams = () =>
      fetch(`${b}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const teamsStatuses = await statuses(LIMIT + 1, teams);
    expect(teamsStatuses.slice(0, LIMIT)).not.toContain(429);
    expect(teamsStatuses[LIMIT]).toBe(429);
  });
});

describe("rate limiter under a burst", () => {
  it("counts every hit of a burst once, in order, with few calls to Redis", async () => {
    // Hits that arrive in one turn of the event loop are counted together (one Redis call per client); each must
    // still get a count of its own, so that exactly `limit` of a burst from one client get through.
    const redis = createRedis(testConfig().REDIS_URL);
    const prefix = `${inject("redisPrefix")}-burst-${randomUUID().slice(0, 6)}`;
    await redis.ping(); // connected: a command queued before that would be counted twice
    let calls = 0;
    // Each count is one EVALSHA (an EVAL follows only when Redis did not have the script yet).
    const sent = redis.sendCommand.bind(redis);
    redis.sendCommand = ((...args: Parameters<typeof sent>) => {
      if (args[0]?.name === "evalsha") calls++;
      return sent(...args);
    }) as typeof redis.sendCommand;
    const limiter = new RateLimiter(redis, prefix, 60_000, capturingLogger().logger);
    const middleware = limiter.middleware("burst", 5);
    const one = (ip: string) =>
      new Promise<number>((resolve) => {
        const res = {
          set: () => res,
          status: (code: number) => {
            resolve(code);
            return res;
          },
          json: () => res,
        };
        middleware({ ip } as never, res as never, () => resolve(200));
      });
    const burst = await Promise.all([
      ...Array.from({ length: 40 }, () => one("203.0.113.9")),
      ...Array.from({ length: 3 }, () => one("203.0.113.10")),
    ]);
    expect(burst.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(burst.slice(5, 40).every((s) => s === 429)).toBe(true);
    expect(burst.slice(40)).toEqual([200, 200, 200]);
    // One call per client, not one per hit.
    expect(calls).toBe(2);
    await redis.quit();
  });
});
