// A digest the schedule missed (no worker running at 08:30, or Redis lost the job) is caught up by the
// reconciler once that day's fire time has passed, once, and only on a day the schedule fires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { queueMissedDigest } from "../../src/digest/catch-up.js";
import { digestJob } from "../../src/jobs/digest.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { createRedis } from "../../src/redis.js";
import { capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { startTestService } from "../helpers/service.js";

const clock = fixedClock("2026-11-23T08:31:00Z");
const chat = new RecordingChat("slack");
let db: Db;
let config: Config;
let queues: JobQueues;
let service: Service | undefined;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("catchup", { DIGEST_SLACK_CHANNEL: "C0ART", RECONCILE_INTERVAL_MS: "300" }));
  queues = new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX);
});
afterAll(async () => {
  await service?.close();
  await queues.close();
  await db.$disconnect();
});

const deps = () => ({ db, clock, queues, config, chats: { slack: chat } });
const catchUpJob = (date: string) => queues.queue(digestJob.name).getJob(`digest.catchup-${date}`);

describe("catching up a missed digest", () => {
  it("queues it only once the fire time has passed on a schedule day, and not once posted", async () => {
    clock.set("2026-11-23T08:31:00Z"); // Monday 08:31 GMT: the scheduled run still has it
    expect(await queueMissedDigest(deps())).toBe(false);
    clock.set("2026-11-21T10:00:00Z"); // Saturday: no digest
    expect(await queueMissedDigest(deps())).toBe(false);
    clock.set("2027-06-14T07:32:00Z"); // Monday 08:32 BST
    expect(await queueMissedDigest(deps())).toBe(false);
    clock.set("2027-06-14T07:40:00Z"); // Monday 08:40 BST: missed
    expect(await queueMissedDigest(deps())).toBe(true);
    expect(await catchUpJob("2027-06-14")).toBeDefined();
    expect(await queueMissedDigest({ ...deps(), chats: {} })).toBe(false); // no chat, no digest

    await db.digestPost.create({
      data: {
        date: new Date("2027-06-15"),
        platform: "slack",
        channelId: "C0ART",
        state: "posted",
        claimedBy: "x",
        claimedAt: new Date("2027-06-15T07:30:00Z"),
      },
    });
    clock.set("2027-06-15T09:00:00Z");
    expect(await queueMissedDigest(deps())).toBe(false);
  });

  it("posts a digest the workers missed, once", async () => {
    clock.set("2026-11-24T09:10:00Z"); // Tuesday, forty minutes after the fire time, nothing posted
    service = await startTestService({
      config,
      logger: capturingLogger().logger,
      role: "worker",
      clock,
      chats: { slack: chat },
    });
    const digests = () => chat.calls.filter((c) => c.op === "postDigest");
    await eventually(() => digests().length === 1, "caught-up digest posted", 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // several more reconciler passes
    expect(digests()).toHaveLength(1);
    expect(digests()[0]).toMatchObject({ channelId: "C0ART", digest: expect.objectContaining({ date: "2026-11-24" }) });
    expect(digests()[0]!.chart?.png.subarray(1, 4).toString()).toBe("PNG");
    expect(await catchUpJob("2026-11-24")).toBeDefined();
  }, 40_000);
});
