// Chat handlers answer the platform first and do the work after, so when the web process is told to stop, a
// referral being raised (or an approval being written) may still be running. The core's calls are tracked, and
// shutdown waits for them before it closes the database (which used to hang, or cut the work off).
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatCoreFor, InFlight } from "../../src/chat/chat-core.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { systemClock } from "../../src/ports.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { referralInput } from "../helpers/referrals.js";

let db: Db;
let config: Config;
let redis: Redis;
let queues: JobQueues;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("drain", {}));
  redis = createRedis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await db.$disconnect();
});

it("waits for a chat call still running, and says how many were left when the wait ran out", async () => {
  const lot = await freshLot(db);
  await db.provider.create({
    data: {
      name: "Drain Home",
      email: "drain@provider.example",
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const inFlight = new InFlight();
  const core = chatCoreFor(
    {
      db,
      clock: systemClock,
      config,
      queues,
      logger: capturingLogger().logger,
      // The raise stops inside its transaction until the test lets it go.
      raiseFault: async (step) => {
        if (step === "event") await held;
      },
    },
    "slack",
    inFlight,
  );
  const raising = core.submitReferral({
    platform: "slack",
    channelId: "C-DRAIN",
    actor: { id: "slack:USW", art: false, mayRaise: true },
    input: referralInput(lot.number),
    sourceKey: "drain-1",
  });
  expect(await inFlight.drain(100)).toBe(1);
  setTimeout(release, 200);
  expect(await inFlight.drain(10_000)).toBe(0);
  // Finished, not cut off: the referral is there once the drain returns.
  expect(await db.referral.count({ where: { sourceKey: "drain-1" } })).toBe(1);
  expect(await raising).toMatchObject({ ok: true });
});
