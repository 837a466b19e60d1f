// The work after a Slack ack waits for the other requests' acks: a /referral command is answered at once, but its
// form (views.open) is not opened while another Slack request is still on its way in, and is opened when that one
// has been answered, or after at most a second if it never is; a click is answered before Bolt dispatches it, so
// even one no listener takes (a button of an older version of a message) is answered at once. Real signed requests to the real Bolt receiver, one
// of them held half-sent on a raw socket.
import { createHmac } from "node:crypto";
import { type ClientRequest, request } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Service } from "../../src/main.js";
import { capturingLogger, testConfig } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { startTestService } from "../helpers/service.js";
import { blockAction, commandBody, FakeSlackApi, signedSlackRequest } from "../helpers/slack.js";

const SECRET = "slack-secret-for-ack-first-tests";
const slack = new FakeSlackApi("xoxb-slack-ack-first");
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  service = await startTestService({
    role: "web",
    config: testConfig({
      REDIS_PREFIX: `${inject("redisPrefix")}-slack-ack-first`,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-slack-ack-first",
      SLACK_API_URL: slack.url,
      SLACK_REFERRALS_CHANNEL: "C0ACKFIRST",
    }),
    logger: capturingLogger().logger,
  });
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service?.close();
  await slack.stop();
});

/** A signed /referral command whose body is sent only in part; `finish` sends the rest, `answer` is its status. */
function heldCommand(userId: string) {
  const body = commandBody(userId);
  const ts = String(Math.floor(Date.now() / 1000));
  const url = new URL(events);
  let req!: ClientRequest;
  const answer = new Promise<number>((resolve, reject) => {
    req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(Buffer.byteLength(body)),
        "x-slack-request-timestamp": ts,
        "x-slack-signature": `v0=${createHmac("sha256", SECRET).update(`v0:${ts}:${body}`).digest("hex")}`,
      },
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.write(body.slice(0, 20));
  });
  answer.catch(() => undefined);
  return { answer, finish: () => req.end(body.slice(20)), abandon: () => req.destroy() };
}

const opened = (userId: string) => slack.of("views.open").some((c) => c.args.trigger_id === `trig-${userId}`);

describe("POST /slack/events: acks first", () => {
  it("opens a command's form only once a request still arriving has been answered", async () => {
    const held = heldCommand("UHELD");
    // The held request's headers are in (the service counts it from them) before the command is sent.
    await new Promise((r) => setTimeout(r, 200));
    expect((await signedSlackRequest(events, SECRET, commandBody("UFAST"))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(opened("UFAST")).toBe(false);

    held.finish();
    expect(await held.answer).toBe(200);
    await eventually(() => opened("UFAST") && opened("UHELD"), "both forms opened");
  });

  it("does not hold the work back for a request that never finishes arriving", async () => {
    const held = heldCommand("UNEVER");
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect((await signedSlackRequest(events, SECRET, commandBody("UWAITS"))).status).toBe(200);
      await eventually(() => opened("UWAITS"), "form opened while the other request is still arriving");
      expect(opened("UNEVER")).toBe(false);
    } finally {
      held.abandon();
    }
  });

  it("answers a click at once, before Bolt looks for its listener, even when there is none", async () => {
    const res = await signedSlackRequest(events, SECRET, blockAction("UCLICK", "button_of_an_older_message", "x"));
    // Bolt alone left it unanswered, and its receiver answered 404 after three seconds.
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
  });
});
