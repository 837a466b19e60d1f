// Watching the service: one trace from a Slack submission through the outbox, the queue and each delivery to the
// thread post; the request id in every log line of the request and of its jobs; /metrics after a real fan-out.
import { createHmac, randomUUID } from "node:crypto";
import { connect } from "node:net";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { installTracerProvider } from "../../src/observability/tracing.js";
import { ensureLots } from "../../src/providers/directory.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import { FakeSlackApi, modalValues, viewSubmission } from "../helpers/slack.js";

const SECRET = "slack-signing-secret-for-tests";
const TOKEN = "xoxb-test-token";
const CHILD = "Traced Secret Child";
const PROVIDERS = 6;
const exporter = new InMemorySpanExporter();
await installTracerProvider([new SimpleSpanProcessor(exporter)]);
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
const { logger, lines } = capturingLogger();
let db: Db;
let service: Service;
const requestId = `req-${randomUUID()}`;
let echoedRequestId: string | null = null;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  const port = await freePort();
  const opsPort = await freePort();
  let config: Awaited<ReturnType<typeof isolatedEnv>>["config"];
  ({ db, config } = await isolatedEnv("obs", {
    PORT: String(port),
    METRICS_PORT: String(opsPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
    SLACK_ART_USER_IDS: "UART1",
    CHAT_COALESCE_MS: "200",
  }));
  await ensureLots(db);
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  for (let i = 0; i < PROVIDERS; i++) {
    await db.provider.create({
      data: {
        name: `Observed Home ${i}`,
        webhookUrl: receivers.urlFor(`/o${i}`),
        webhookSecret: receivers.secretFor(`/o${i}`),
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot2.id } },
      },
    });
  }
  service = await startTestService({
    config,
    logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });

  // The chat submission, signed as Slack signs it, with the caller's request id.
  const body = viewSubmission("USW", "V-OBS", "referral_form", modalValues({}));
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${service.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": `v0=${createHmac("sha256", SECRET).update(`v0:${ts}:${body}`).digest("hex")}`,
      "x-request-id": requestId,
    },
    body,
  });
  expect(res.status).toBe(200);
  echoedRequestId = res.headers.get("x-request-id");
  await eventually(() => receivers.accepted.length >= PROVIDERS, "every provider reached", 30_000);
  await eventually(
    () => slack.of("chat.postMessage").some((c) => c.args.channel === "C0REFERRALS"),
    "the thread posted",
    30_000,
  );
  await eventually(
    () =>
      exporter.getFinishedSpans().some((s) => s.name === "job chat-sync") &&
      exporter.getFinishedSpans().filter((s) => s.name === "job delivery-send").length >= PROVIDERS,
    "the deliveries and a chat-sync job traced",
    30_000,
  );
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await receivers.stop();
});

const traceOf = (s: ReadableSpan) => s.spanContext().traceId;

describe("tracing", () => {
  it("follows the submission through the outbox relay and the queue to every delivery and the thread post", () => {
    const spans = exporter.getFinishedSpans();
    const submission = spans.find((s) => s.name === "POST /slack/events");
    expect(submission).toBeDefined();
    const trace = spans.filter((s) => traceOf(s) === traceOf(submission!));
    const names = trace.map((s) => s.name);
    expect(names).toContain("outbox-relay round.opened");
    expect(names.filter((n) => n === "job delivery-send")).toHaveLength(PROVIDERS);
    expect(names).toContain("job chat-sync");
    // Parent links, not only a shared id: the relay span hangs under the request span's trace.
    const relay = trace.find((s) => s.name === "outbox-relay round.opened")!;
    expect(relay.parentSpanContext?.spanId).toBe(submission!.spanContext().spanId);
  });

  it("puts ids and types in span attributes, never a child's details", () => {
    for (const span of exporter.getFinishedSpans()) {
      const text = JSON.stringify(span.attributes);
      expect(text).not.toContain(CHILD);
      expect(text).not.toContain("Needs a calm home");
    }
  });
});

describe("request id", () => {
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it("is echoed back and written on the access line and on the lines of the jobs the request caused", async () => {
    expect(echoedRequestId).toBe(requestId);
    await eventually(
      () => parsed().some((l) => l.requestId === requestId && l.job === "chat-sync" && l.msg === "job completed"),
      "a chat-sync job of the request completed",
    );
    const ours = parsed().filter((l) => l.requestId === requestId);
    expect(ours.some((l) => l.msg === "POST /slack/events 200")).toBe(true);
    expect(ours.some((l) => l.job === "delivery-send" && l.msg === "job completed")).toBe(true);
    expect(ours.filter((l) => l.job === "delivery-send" && l.msg === "job completed")).toHaveLength(PROVIDERS);
  });

  it("writes one warn line for a request whose client went away before its answer, with its request id", async () => {
    const abandonedId = `req-${randomUUID()}`;
    const url = new URL(`${service.url}/slack/events`);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once("connect", r));
    // Headers and part of a body: the receiver waits for the rest, which never comes.
    socket.write(
      `POST /slack/events HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: 100\r\nX-Request-Id: ${abandonedId}\r\n\r\ntoken=abc`,
    );
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    await eventually(() => parsed().some((l) => l.requestId === abandonedId), "the aborted request's line");
    const mine = parsed().filter((l) => l.requestId === abandonedId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 40, msg: "POST /slack/events aborted", route: "/slack/events" });
  });

  it("replaces an unsafe incoming id with a new one", async () => {
    const res = await fetch(`${service.url}/healthz`, { headers: { "x-request-id": "bad id\twith<script>" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never logs a response link's token, a query string or a body", async () => {
    const token = "t0kenThatMustNotBeLogged_abcdefghijklmnop";
    await fetch(`${service.url}/r/${token}?utm=leak-me`);
    await eventually(() => lines.some((l) => l.includes('"route":"/r/:token"')), "the access line");
    const all = lines.join("\n");
    expect(all).not.toContain(token);
    expect(all).not.toContain("leak-me");
    expect(all).not.toContain(CHILD);
    // Probes are not logged at info.
    const probes = parsed().filter((l) => typeof l.msg === "string" && l.msg.startsWith("GET /healthz"));
    for (const l of probes) expect(l.level).toBe(20);
  });
});

describe("/metrics", () => {
  const scrape = async () => {
    const res = await fetch(`${service.opsUrl}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** The value of the one series of `name` with these labels (in any order; the service label is implied). */
  const value = (text: string, name: string, labels: Record<string, string> = {}) => {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split("\n")
      .find(
        (l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)) && l.includes('service="referral-bot"'),
      );
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : undefined;
  };

  it("reports the fan-out, the jobs, the queues, the chat posts and the referrals with real values", async () => {
    await eventually(
      async () => (await db.delivery.count({ where: { state: "delivered" } })) === PROVIDERS,
      "deliveries recorded",
    );
    const text = await scrape();
    expect(value(text, "rb_deliveries_total", { channel: "webhook", outcome: "delivered" })).toBe(PROVIDERS);
    expect(value(text, "rb_jobs_total", { type: "delivery-send", outcome: "completed" })).toBe(PROVIDERS);
    expect(value(text, "rb_round_fanout_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(value(text, "rb_chat_posts_total", { platform: "slack", kind: "card" })).toBe(1);
    for (const state of ["waiting", "delayed", "active", "failed"])
      expect(value(text, "rb_queue_jobs", { queue: "delivery-send", state })).toBeGreaterThanOrEqual(0);
    expect(value(text, "rb_queue_jobs", { queue: "delivery-send", state: "failed" })).toBe(0);
    expect(value(text, "rb_referrals", { state: "open" })).toBe(1);
    expect(value(text, "rb_oldest_unplaced_referral_age_seconds")).toBeGreaterThan(0);
    expect(
      value(text, "rb_http_request_duration_seconds_count", { method: "POST", route: "/slack/events", status: "200" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("labels response links by their route pattern, never by the token in the path", async () => {
    const token = "anotherTokenThatMustNotLeak_0123456789abcd";
    await fetch(`${service.url}/r/${token}`);
    const text = await scrape();
    expect(
      value(text, "rb_http_request_duration_seconds_count", { method: "GET", route: "/r/:token" }),
    ).toBeGreaterThan(0);
    expect(text).not.toContain(token);
  });

  it("answers the probes on the same port, for the worker role too", async () => {
    expect((await fetch(`${service.opsUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${service.opsUrl}/readyz`)).json()).toMatchObject({ status: "ready" });
  });
});
