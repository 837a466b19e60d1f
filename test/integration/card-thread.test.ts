// What people read on the card and in its thread: the card never lags the thread (both come from one snapshot and
// the card goes first), decided offers are marked, and once the referral is placed no offer keeps its buttons.
import { beforeAll, describe, expect, it } from "vitest";
import type { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import type { ThreadItem } from "../../src/chat/port.js";
import { SyncLater, syncThread } from "../../src/chat/sync.js";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { art, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { makeProvider, offer, openReferralWithDeliveries } from "../helpers/referrals.js";

const db = testDb();
const config = testConfig();
const clock = fixedClock("2026-11-30T09:00:00Z");
let lot: { id: number; number: number };

beforeAll(async () => {
  lot = await freshLot(db);
});

/** A channel limiter that lets `slots` posts through, then says "later" (as a busy channel does). */
function limiter(slots: number) {
  const l = {
    slots,
    take: async () => (l.slots-- > 0 ? 0 : 1000),
    lock: async () => async () => {},
  };
  return l;
}

const offersShown = (chat: RecordingChat) =>
  chat.calls.filter((c) => c.op === "replyInThread").flatMap((c) => (c.items ?? []).filter((i) => i.kind === "offer"))
    .length;

describe("card and thread", () => {
  it("never shows the card's counts behind the thread, even when the channel's rate cuts a sync short", async () => {
    const providers = [await makeProvider(db, lot.id), await makeProvider(db, lot.id)];
    const r = await openReferralWithDeliveries(
      { db, clock, config },
      lot.number,
      providers.map((p) => p.id),
    );
    await db.chatLink.create({ data: { referralId: r.id, platform: "slack", channelId: "C-LAG" } });
    const chat = new RecordingChat("slack");
    const run = async (slots: number) => {
      const chatLimiter = limiter(slots);
      try {
        await syncThread(
          { db, clock, chats: { slack: chat }, chatLimiter: chatLimiter as unknown as ChatChannelLimiter },
          r.id,
          "slack",
        );
      } catch (err) {
        if (!(err instanceof SyncLater)) throw err;
      }
    };
    await run(100);
    await offer({ db, clock }, r.deliveryIds[0]!, 3000);
    // A busy channel: one post now, the rest later. Whatever went out, the card counts every offer shown.
    await run(1);
    const lastCard = () => chat.calls.filter((c) => c.card).at(-1)!.card!;
    expect(lastCard().counts.offers).toBeGreaterThanOrEqual(offersShown(chat));
    expect(lastCard().counts.offers).toBe(1);
    await run(100);
    expect(offersShown(chat)).toBe(1);
    expect(lastCard().counts.offers).toBe(1);
  });

  it("marks the approved offer, and takes every offer's buttons away once the child is placed", async () => {
    const providers = [await makeProvider(db, lot.id), await makeProvider(db, lot.id), await makeProvider(db, lot.id)];
    const r = await openReferralWithDeliveries(
      { db, clock, config },
      lot.number,
      providers.map((p) => p.id),
    );
    const offers = [];
    for (const id of r.deliveryIds) offers.push(await offer({ db, clock }, id, 3000));
    const before = buildThread(await loadThreadState(db, r.id));
    const offerItems = (items: ThreadItem[]) =>
      items.filter((i): i is Extract<ThreadItem, { kind: "offer" }> => i.kind === "offer");
    expect(offerItems(before.items).map((i) => i.actionable)).toEqual([true, true, true]);
    expect(before.card.statusText).toMatch(/^3 offers to review/);

    await approveOffer({ db, clock, thresholdPence: 500_000 }, offers[1]!.id, art());
    const after = buildThread(await loadThreadState(db, r.id));
    expect(after.card.status).toBe("placed");
    const items = offerItems(after.items);
    expect(items.map((i) => i.actionable)).toEqual([false, false, false]);
    expect(items.map((i) => i.outcome)).toEqual([undefined, "approved", undefined]);
  });
});
