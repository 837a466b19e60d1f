// Slack's endpoint before Bolt: a request signed with a timestamp more than five minutes ahead is refused like a
// stale one, and a body over 64 KB gets 413 without being read (a client announcing 10 MB is answered after
// sending only a little of it). Real signed requests to the real Bolt receiver.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Service } from "../../src/main.js";
import { capturingLogger, testConfig } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { startTestService } from "../helpers/service.js";
import { commandBody, FakeSlackApi, signedSlackRequest } from "../helpers/slack.js";

const SECRET = "slack-secret-for-hardening-tests";
const slack = new FakeSlackApi("xoxb-slack-hardening");
const logs = capturingLogger();
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  service = await startTestService({
    role: "web",
    config: testConfig({
      REDIS_PREFIX: `${inject("redisPrefix")}-slack-hardening`,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-slack-hardening",
      SLACK_API_URL: slack.url,
      SLACK_REFERRALS_CHANNEL: "C0HARDEN",
    }),
    logger: logs.logger,
  });
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service?.close();
  await slack.stop();
});

const now = () => Math.floor(Date.now() / 1000);

describe("POST /slack/events", () => {
  it("refuses a timestamp more than five minutes in the future, and logs why", async () => {
    const res = await signedSlackRequest(events, SECRET, commandBody("UFUTURE"), { timestamp: now() + 6 * 60 });
    expect(res.status).toBe(401);
    expect(logs.lines.some((l) => l.includes("timestamp in the future"))).toBe(true);
    // A correctly signed, current request still works (and reaches Slack's API).
    const ok = await signedSlackRequest(events, SECRET, commandBody("UNOW"), { timestamp: now() - 60 });
    expect(ok.status).toBe(200);
    await eventually(() => slack.of("views.open").some((c) => c.args.trigger_id === "trig-UNOW"), "modal opened");
    expect(slack.of("views.open").map((c) => c.args.trigger_id)).toEqual(["trig-UNOW"]);
  });

  it("answers 413 to a signed body over 64 KB", async () => {
    const body = `${commandBody("UBIG")}&padding=${"p".repeat(70 * 1024)}`;
    expect((await signedSlackRequest(events, SECRET, body)).status).toBe(413);
  });

  it("answers 413 to an announced 10 MB body without waiting for it", async () => {
    const url = new URL(events);
    const status = await new Promise<number | string>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": String(10 * 1024 * 1024),
          "x-slack-request-timestamp": String(now()),
          "x-slack-signature": "v0=0000",
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => undefined);
      // 16 KB of the announced 10 MB, and nothing more: a server that reads it all never answers.
      req.write("p".repeat(16 * 1024));
      setTimeout(() => {
        resolve("no answer");
        req.destroy();
      }, 10_000).unref();
    });
    expect(status).toBe(413);
  });
});
