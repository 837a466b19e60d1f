// On a quiet thread the new post goes out in the same sync as the card's edit: on Slack an edit (chat.update)
// does not take a slot of the channel's posting schedule, so it cannot push the thread post back by a whole
// interval. Where the platform counts edits (Teams), the post still waits for the next slot.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import { SyncLater, syncThread } from "../../src/chat/sync.js";
import type { Config } from "../../src/config.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { freshLot, socialWorker, testConfig, testDb } from "../helpers/env.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { referralInput } from "../helpers/referrals.js";

const db = testDb();
let config: Config;
let redis: Redis;

beforeAll(() => {
  config = testConfig();
  redis = new Redis(config.REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

/** A referral whose card and thread were posted, then fell behind: its card changed and one item is unshown. */
async function behindThread(chat: RecordingChat, channelId: string) {
  const lot = await freshLot(db);
  await db.provider.create({
    data: {
      name: "Edit Slot Home",
      email: `home-${randomUUID().slice(0, 6)}@example.test`,
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker(), {
    chatLink: { platform: chat.platform, channelId },
  });
  // Posted once with no channel limit (interval 0), so the schedule starts empty for the sync under test.
  const free = new ChatChannelLimiter(redis, config.REDIS_PREFIX, 0);
  await syncThread(
    { db, clock: systemClock, chats: { [chat.platform]: chat }, chatLimiter: free },
    r.id,
    chat.platform,
  );
  const link = await db.chatLink.findFirstOrThrow({ where: { referralId: r.id } });
  const posted = await db.chatPost.findMany({ where: { chatLinkId: link.id } });
  expect(posted.length).toBeGreaterThan(0);
  await db.chatLink.update({ where: { id: link.id }, data: { cardHash: "stale" } });
  await db.chatPost.deleteMany({ where: { id: posted.at(-1)!.id } });
  return r.id;
}

describe("card edits and the channel's posting schedule", () => {
  it("Slack: the card's edit and the thread post that follows go out in one sync", async () => {
    const chat = new RecordingChat("slack");
    const channelId = `C-${randomUUID().slice(0, 8)}`;
    const referralId = await behindThread(chat, channelId);
    const before = chat.calls.length;
    // One post a minute: a second slot in this sync would be refused.
    const limiter = new ChatChannelLimiter(redis, config.REDIS_PREFIX, 60_000);
    await syncThread({ db, clock: systemClock, chats: { slack: chat }, chatLimiter: limiter }, referralId, "slack");
    expect(chat.calls.slice(before).map((c) => c.op)).toEqual(["updateCard", "replyInThread"]);
    // The post took the channel's slot: the next post to this channel must wait.
    expect(await limiter.take("slack", channelId)).toBeGreaterThan(0);
  });

  it("Teams: an edit takes a slot, so the post after it waits for the next one", async () => {
    const chat = new RecordingChat("teams");
    const channelId = `19:${randomUUID().slice(0, 8)}`;
    const referralId = await behindThread(chat, channelId);
    const before = chat.calls.length;
    const limiter = new ChatChannelLimiter(redis, config.REDIS_PREFIX, 60_000);
    const run = syncThread(
      { db, clock: systemClock, chats: { teams: chat }, chatLimiter: limiter },
      referralId,
      "teams",
    );
    await expect(run).rejects.toBeInstanceOf(SyncLater);
    expect(chat.calls.slice(before).map((c) => c.op)).toEqual(["updateCard"]);
  });

  it("a wait of under 1.5 s for the channel's slot is slept through in the same sync, not re-queued", async () => {
    const chat = new RecordingChat("teams");
    const channelId = `19:${randomUUID().slice(0, 8)}`;
    const referralId = await behindThread(chat, channelId);
    const before = chat.calls.length;
    // One post per 400 ms: the card's edit takes this slot, and the thread post must wait about 400 ms for the next.
    const limiter = new ChatChannelLimiter(redis, config.REDIS_PREFIX, 400);
    await syncThread({ db, clock: systemClock, chats: { teams: chat }, chatLimiter: limiter }, referralId, "teams");
    expect(chat.calls.slice(before).map((c) => c.op)).toEqual(["updateCard", "replyInThread"]);
  });
});
