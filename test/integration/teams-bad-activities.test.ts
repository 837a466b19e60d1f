// Malformed input through the real Teams endpoint (/api/messages, the SDK, the core) answers as a client error,
// never as a crash: an activity without `from` or `conversation` is a 400, and a card click naming an offer or a
// referral by something that is not an id says it was not found (not "something went wrong").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { freePort, startTestService } from "../helpers/service.js";
import { type InvokeAnswer, LocalConnector, teamsUser } from "../helpers/teams.js";

const CHANNEL = "19:bad-activities@thread.tacv2";
const connector = new LocalConnector();
const art = teamsUser("aad-art-bad", "Alex ART");
let db: Db;
let service: Service;

beforeAll(async () => {
  await connector.start();
  const port = await freePort();
  const env = await isolatedEnv("teams_bad", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: CHANNEL,
    TEAMS_ART_USER_IDS: art.aadObjectId!,
  });
  db = env.db;
  service = await startTestService({ config: env.config, logger: capturingLogger().logger });
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
});

const channel = { id: CHANNEL, type: "channel" as const };

describe("Teams: malformed activities and ids", () => {
  it("answers 400 to an activity without a sender or a conversation", async () => {
    for (const missing of ["from", "conversation"]) {
      const res = await connector.clickExecute(
        art,
        channel,
        "approve_offer",
        { responseId: "00000000-0000-4000-8000-000000000001" },
        { activity: { [missing]: undefined } },
      );
      expect(res.status, `without ${missing}`).toBe(400);
    }
    const message = await connector.sendToBot(art, channel, { type: "message", text: "hello", from: undefined });
    expect(message.status).toBe(400);
  });

  it("says an offer or a referral was not found when a click names one by something that is not an id", async () => {
    for (const [verb, data, what] of [
      ["approve_offer", { responseId: "not-a-uuid" }, "offer"],
      ["decline_offer", { responseId: "1; DROP TABLE" }, "offer"],
      ["second_approve", { referralId: "nope" }, "referral"],
      ["view_details", { referralId: "nope" }, "referral"],
      ["hide_details", { referralId: "nope" }, "referral"],
    ] as const) {
      const res = await connector.clickExecute(art, channel, verb, data);
      expect(res.status, verb).toBe(200);
      const answer = res.body as InvokeAnswer;
      expect(answer.value, verb).toBe(`${what} not found`);
    }
  });
});
