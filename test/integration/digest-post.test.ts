// Posting the digest: two worker runtimes firing it every second, duplicate jobs and direct calls all at once
// leave exactly one digest in the Slack fake, with its chart uploaded (the fake checks the bytes are a PNG) and
// its lines linked to the threads. A post that fails after the claim is completed by the next attempt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackChat, slackClient } from "../../adapters/slack/slack-chat.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { DIGEST_CLAIM_LEASE_MS, postDailyDigests } from "../../src/digest/post.js";
import { digestJob } from "../../src/jobs/digest.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { createRedis } from "../../src/redis.js";
import { DIGEST_CANARIES, DIGEST_NOW, type Seeded, seedDigestData } from "../helpers/digest-seed.js";
import { capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { startTestService } from "../helpers/service.js";
import { FakeSlackApi } from "../helpers/slack.js";

const TOKEN = "xoxb-digest-test";
const slack = new FakeSlackApi(TOKEN);
const clock = fixedClock(DIGEST_NOW);
const services: Service[] = [];
let db: Db;
let config: Config;
let seeded: Seeded;
let queues: JobQueues;

const chat = () => new SlackChat(slackClient(TOKEN, slack.url));
const digestPosts = () => slack.of("chat.postMessage").filter((c) => c.args.channel === "C0ART");
const deps = () => ({ db, clock, config, logger: capturingLogger().logger, chats: { slack: chat() } });

beforeAll(async () => {
  await slack.start();
  ({ db, config } = await isolatedEnv("digestpost", {
    SLACK_API_URL: slack.url,
    DIGEST_SLACK_CHANNEL: "C0ART",
    // Every second, so both workers' scheduler fires while the test watches.
    DIGEST_CRON: "* * * * * *",
    ROUND_SWEEP_INTERVAL_MS: "3600000",
  }));
  seeded = await seedDigestData(db, config);
  queues = new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX);
});
afterAll(async () => {
  for (const s of services) await s.close();
  await queues.close();
  await db.$disconnect();
  await slack.stop();
});

describe("posting the daily digest", () => {
  it("posts once per channel per day with two workers, duplicate jobs and direct calls racing", async () => {
    for (let i = 0; i < 2; i++) {
      services.push(
        await startTestService({
          config,
          logger: capturingLogger().logger,
          role: "worker",
          clock,
          chats: { slack: chat() },
        }),
      );
    }
    await Promise.all([
      queues.add(digestJob, [{ trigger: "dup-a" }, { trigger: "dup-b" }]),
      postDailyDigests(deps()),
      postDailyDigests(deps()),
    ]);
    await eventually(async () => (await db.digestPost.findFirst())?.state === "posted", "digest posted", 20_000);
    // Let the scheduler fire a few more times on both workers and the busy duplicates look again.
    await eventually(
      async () =>
        (await Promise.all(["dup-a", "dup-b"].map((t) => queues.queue("digest").getJobState(`digest.${t}`)))).every(
          (s) => s === "completed",
        ),
      "duplicate jobs finished",
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(digestPosts()).toHaveLength(1);
    const row = await db.digestPost.findFirstOrThrow();
    expect(row).toMatchObject({ platform: "slack", channelId: "C0ART", state: "posted", attempts: 1 });
    expect(row.date.toISOString().slice(0, 10)).toBe("2026-11-23");
    expect(row.messageId).toBe(digestPosts()[0]!.ts);
    expect(await queues.queue("digest").getJobSchedulersCount()).toBe(1);
    // The scheduler did fire on the workers meanwhile (and found the day's digest already posted).
    const fired = (await queues.queue("digest").getCompleted()).filter((j) => j.id?.startsWith("repeat:digest:"));
    expect(fired.length).toBeGreaterThan(0);
  }, 60_000);

  it("shows the digest in Slack with its lines linked to threads and the chart uploaded as a PNG", async () => {
    const post = digestPosts()[0]!;
    const text = JSON.stringify(post.args.blocks);
    expect(text).toContain("Daily digest: Mon 23 Nov 2026");
    expect(text).toContain(`<${slack.permalinkOf("C0REFERRALS", "1700000001.000100")}|${seeded.emergency.reference}>`);
    expect(text.indexOf(seeded.emergency.reference)).toBeLessThan(text.indexOf(seeded.overdue.reference));
    for (const canary of Object.values(DIGEST_CANARIES)) expect(text).not.toContain(canary);
    expect(slack.of("chat.getPermalink").map((c) => c.args.message_ts)).toContain("1700000001.000100");

    expect(slack.uploads).toHaveLength(1);
    const [upload] = slack.uploads;
    expect(upload!.filename).toBe("digest-2026-11-23.png");
    expect(upload!.bytes?.subarray(1, 4).toString()).toBe("PNG");
    expect(upload!.bytes!.length).toBeLessThan(100_000);
    expect(upload!.altText).toMatch(/^Bar charts of 6 unplaced children on 2026-11-23/);
    expect(upload!.shared).toMatchObject({ channelId: "C0ART", threadTs: post.ts });
    expect(slack.rejected).toEqual([]);
    // Uploaded before the message, shared after it.
    const order = slack.calls.map((c) => c.method).filter((m) => m.startsWith("files.") || m === "chat.postMessage");
    const at = (m: string) => order.indexOf(m);
    expect(at("files.getUploadURLExternal")).toBeLessThan(at("files.completeUploadExternal"));
  });

  it("completes a post that failed after its claim on the next attempt, and takes over a stale claim", async () => {
    for (const s of services.splice(0)) await s.close();
    clock.set("2026-11-24T08:30:00Z");
    slack.rateLimitMethod = "chat.postMessage";
    slack.rateLimitNext = 5; // the digest message itself is refused
    const [failed] = await postDailyDigests(deps());
    expect(failed).toMatchObject({ result: "failed", retryable: true });
    expect(await db.digestPost.findFirstOrThrow({ where: { date: new Date("2026-11-24") } })).toMatchObject({
      state: "failed",
      lastError: expect.stringContaining("rate limited"),
    });
    expect(digestPosts()).toHaveLength(1);
    const [retried] = await postDailyDigests(deps());
    expect(retried).toMatchObject({ result: "posted" });
    expect(await db.digestPost.findFirstOrThrow({ where: { date: new Date("2026-11-24") } })).toMatchObject({
      state: "posted",
      attempts: 2,
    });
    expect(digestPosts()).toHaveLength(2);
    expect((await postDailyDigests(deps()))[0]).toMatchObject({ result: "already_posted" });

    // A claim held by a live poster is left alone; one whose poster died (older than the lease) is taken over.
    clock.set("2026-11-25T08:30:00Z");
    await db.digestPost.create({
      data: {
        date: new Date("2026-11-25"),
        platform: "slack",
        channelId: "C0ART",
        claimedBy: "someone-else",
        claimedAt: new Date("2026-11-25T08:29:00Z"),
      },
    });
    expect((await postDailyDigests(deps()))[0]).toMatchObject({ result: "in_progress" });
    clock.set(new Date(new Date("2026-11-25T08:29:00Z").getTime() + DIGEST_CLAIM_LEASE_MS + 1000).toISOString());
    expect((await postDailyDigests(deps()))[0]).toMatchObject({ result: "posted" });
    expect(digestPosts()).toHaveLength(3);
  });
});
