// The core refuses a referral from someone the chat membership did not allow to raise (Actor.mayRaise), whatever
// the adapter did: nothing is stored, the attempt is audited, and the person is told to ask ART.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitReferral } from "../../src/chat/actions.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { referralInput } from "../helpers/referrals.js";

let db: Db;
let config: Config;
let queues: JobQueues;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("raisers"));
  queues = new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await db.$disconnect();
});

describe("who may raise a referral from chat", () => {
  it("refuses someone not allowed (or with no decision at all), stores nothing and audits the attempt", async () => {
    const core = { db, clock: systemClock, config, queues, logger: capturingLogger().logger };
    const lot = await freshLot(db);
    const input = referralInput(lot.number);
    for (const [n, actor] of [
      { id: "slack:UNOBODY", art: false, mayRaise: false },
      { id: "teams:aad-unknown", art: false },
    ].entries()) {
      const refused = await submitReferral(core, {
        platform: "slack",
        channelId: "C1",
        actor,
        input,
        sourceKey: `no-${n}`,
      });
      expect(refused).toEqual({
        ok: false,
        code: "forbidden",
        text: expect.stringMatching(/not allowed to raise.*ART/),
      });
      expect(await db.referral.count({ where: { sourceKey: `no-${n}` } })).toBe(0);
      expect(await db.auditEvent.count({ where: { actor: actor.id, action: "refused.raise" } })).toBe(1);
    }
    const allowed = await submitReferral(core, {
      platform: "slack",
      channelId: "C1",
      actor: { id: "slack:URAISER", art: false, mayRaise: true },
      input,
      sourceKey: "yes",
    });
    expect(allowed).toMatchObject({ ok: true });
  });
});
