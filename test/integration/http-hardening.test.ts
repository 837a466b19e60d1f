// The web role's hardening on the real service: security headers on every route, /readyz without internal error
// text, one warn line per authentication failure (route, client address, reason, never the secret), Teams message
// text capped before any regex, and a service that keeps answering when Redis (and so the rate limiter) is down.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Service } from "../../src/main.js";
import { capturingLogger, testConfig } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { ART_TOKEN, freePort, startTestService } from "../helpers/service.js";
import { commandBody, FakeSlackApi, signedSlackRequest } from "../helpers/slack.js";
import { LocalConnector, teamsUser } from "../helpers/teams.js";

const SLACK_SECRET = "slack-signing-secret-for-hardening";
const SLACK_TOKEN = "xoxb-hardening-token";
const INBOUND_SECRET = "inbound-secret-for-hardening-tests";
const CHANNEL = "19:hardening@thread.tacv2";
const slack = new FakeSlackApi(SLACK_TOKEN);
const connector = new LocalConnector();
const logs = capturingLogger();
let service: Service;
let base: string;

beforeAll(async () => {
  await slack.start();
  await connector.start();
  service = await startTestService({
    role: "web",
    config: testConfig({
      REDIS_PREFIX: `${inject("redisPrefix")}-hardening`,
      ART_API_TOKENS: `reports:${ART_TOKEN}`,
      INBOUND_EMAIL_SECRET: INBOUND_SECRET,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_API_URL: slack.url,
      SLACK_REFERRALS_CHANNEL: "C0HARDEN",
      TEAMS_LOCAL_MODE: "true",
      TEAMS_SERVICE_URL: connector.url,
      TEAMS_REFERRALS_CHANNEL: CHANNEL,
    }),
    logger: logs.logger,
  });
  base = service.url!;
  connector.botUrl = base;
});
afterAll(async () => {
  await service?.close();
  await slack.stop();
  await connector.stop();
});

const warnings = () =>
  logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40 && l.reason);

describe("security headers", () => {
  it("are on every route: health, readiness, API, Slack, Teams, inbound mail, 404", async () => {
    const routes: [string, RequestInit?][] = [
      ["/healthz"],
      ["/readyz"],
      ["/api/v1/reports/placements"],
      ["/slack/events", { method: "POST", body: "x" }],
      ["/api/messages", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }],
      ["/inbound/email", { method: "POST", body: "x" }],
      ["/no/such/route"],
    ];
    for (const [path, init] of routes) {
      const res = await fetch(`${base}${path}`, init);
      await res.arrayBuffer();
      const h = (name: string) => `${path}: ${name}=${res.headers.get(name)}`;
      expect(h("strict-transport-security")).toMatch(/max-age=\d{7,}/);
      expect(h("x-content-type-options")).toMatch(/=nosniff$/);
      expect(h("content-security-policy")).toMatch(/frame-ancestors 'none'/);
      expect(h("referrer-policy")).toMatch(/=no-referrer$/);
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
  });

  it("keep the response page's own stricter policy on /r/<token>", async () => {
    const res = await fetch(`${base}/r/${"x".repeat(40)}`);
    await res.arrayBuffer();
    expect(res.status).toBe(404);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/^default-src 'none'; style-src 'nonce-/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("authentication failures", () => {
  it("are logged once each at warn with route, client address and reason, never the secret", async () => {
    const wrong = "wrong-token-0123456789abcdefghijklmnop";
    const api = await fetch(`${base}/api/v1/reports/placements`, { headers: { authorization: `Bearer ${wrong}` } });
    expect(api.status).toBe(401);
    const approve = await fetch(`${base}/api/v1/offers/${crypto.randomUUID()}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(approve.status).toBe(401);
    const mail = await fetch(`${base}/inbound/email`, {
      method: "POST",
      headers: { authorization: `Bearer ${wrong}` },
      body: "From: x@example.com\r\n\r\nhi",
    });
    expect(mail.status).toBe(401);
    expect((await signedSlackRequest(`${base}/slack/events`, "not-the-secret", commandBody("U1"))).status).toBe(401);
    const link = await fetch(`${base}/r/${"y".repeat(43)}`);
    expect(link.status).toBe(404);

    await eventually(() => warnings().length >= 5, "five warn lines");
    const byRoute = new Map(warnings().map((w) => [w.route, w]));
    for (const route of [
      "/api/v1/reports/placements",
      "/api/v1/offers/:responseId/approve",
      "/inbound/email",
      "/slack/events",
      "/r/:token",
    ]) {
      const w = byRoute.get(route);
      expect(w, route).toBeDefined();
      expect(String(w!.ip)).toMatch(/127\.0\.0\.1|::1/);
      expect(typeof w!.reason).toBe("string");
    }
    const all = logs.lines.join("\n");
    for (const secret of [wrong, "y".repeat(43), "not-the-secret"]) expect(all).not.toContain(secret);
  });
});

describe("Teams message text", () => {
  it("answers a 99 KB message of '<' with the help text, and still reads a command in markup", async () => {
    const user = teamsUser("aad-hardening", "Hana Hardening");
    const chat = { id: "a:personal-hardening", type: "personal" as const };
    const sent = await connector.sendToBot(user, chat, { type: "message", text: "<".repeat(99_000) });
    expect(sent.status).toBeLessThan(300);
    await eventually(
      () => connector.messages.some((m) => m.conversationId === chat.id && /new referral/.test(JSON.stringify(m))),
      "help reply",
    );
    const before = connector.messages.length;
    await connector.sendToBot(user, chat, { type: "message", text: "<p>New <b>Referral</b></p>" });
    await eventually(
      () => connector.messages.slice(before).some((m) => JSON.stringify(m).includes("restricted.childName")),
      "form card",
    );
  });
});

describe("readiness", () => {
  let down: Service;
  const downLogs = capturingLogger();
  beforeAll(async () => {
    down = await startTestService({
      role: "web",
      config: testConfig({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_PREFIX: "rb-down" }),
      logger: downLogs.logger,
    });
  });
  afterAll(async () => {
    await down?.close();
  });

  it("answers status codes only, and logs the reason at warn", async () => {
    const ok = await fetch(`${base}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });

    const res = await fetch(`${down.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not_ready", checks: { postgres: "ok", redis: "failed" } });
    await eventually(
      () => downLogs.lines.some((l) => l.includes('"check":"redis"') && l.includes('"level":40')),
      "logged",
    );
  });

  it("keeps serving when Redis is down: the rate limiter fails open and says so", async () => {
    const res = await fetch(`${down.url}/r/${"z".repeat(40)}`);
    expect(res.status).toBe(404);
    await eventually(() => downLogs.lines.some((l) => l.includes("rate limiter unavailable")), "fail-open logged");
  });
});
