// The data the retention and data-request tests share, raised through the core's own functions with a clock set
// for each step: two referrals closed long ago (placed, withdrawn), one withdrawn recently, one still live, each
// with an offer, a decline with notes, a question, ART's answer, and a chat thread post. Every free text says
// "Erasable", so a search for it finds anything erasure missed.
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Clock } from "../../src/ports.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { withdrawReferral } from "../../src/referrals/withdraw.js";
import { art } from "./env.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "./referrals.js";

const DAY = 86_400_000;
export const SECRET = { childName: "Erasable Qwv", address: "4 Old Road, PE1 4XY", narrative: "ErasableNarrative" };
export const WITHDRAW_REASON = "ErasableReason: moved to a kinship carer";
export const SUMMARY = "ErasableSummary: calm home wanted";

export interface RetentionData {
  ids: Record<"placed" | "withdrawnOld" | "withdrawnRecent" | "live", string>;
  /** Reference by referral id. */
  refs: Record<string, string>;
}

export async function seedRetentionData(
  db: Db,
  config: Config,
  clock: Clock & { set(iso: string): void },
  now: Date,
  lotNumber = 7,
): Promise<RetentionData> {
  const refs: Record<string, string> = {};
  const lot = await db.lot.create({ data: { number: lotNumber, name: "Retention lot" } });
  const providers: string[] = [];
  for (let i = 0; i < 3; i++) providers.push((await makeProvider(db, lot.id)).id);
  const decisions = { db, clock, thresholdPence: 5000_00 };

  const raiseWithLife = async (raisedAt: Date) => {
    clock.set(raisedAt.toISOString());
    const input = referralInput(lotNumber, { summary: SUMMARY }, SECRET, clock.now());
    const r = await openReferralWithDeliveries({ db, clock, config }, lotNumber, providers, input);
    clock.set(new Date(raisedAt.getTime() + 3_600_000).toISOString());
    const o = await offer({ db, clock }, r.deliveryIds[0]!, 1500);
    await recordResponse({ db, clock }, r.deliveryIds[1]!, {
      type: "decline",
      reason: "no_vacancy",
      notes: "ErasableDeclineNote",
    });
    await recordResponse({ db, clock }, r.deliveryIds[2]!, { type: "question", question: "ErasableQuestion?" });
    await db.providerMessage.create({
      data: { deliveryId: r.deliveryIds[2]!, kind: "answer", text: "ErasableAnswer", dedupeKey: "a1" },
    });
    const link = await db.chatLink.create({
      data: { referralId: r.id, platform: "slack", channelId: "C1", threadId: "1.1", messageId: "1.1" },
    });
    await db.chatPost.create({
      data: {
        chatLinkId: link.id,
        itemKey: `response:${o.id}`,
        messageId: "1.2",
        item: { kind: "offer", needsMet: "Therapeutic home", notes: "ErasableOfferNote" },
      },
    });
    refs[r.id] = r.reference;
    return { ...r, offerId: o.id };
  };

  const placed = await raiseWithLife(new Date("2026-01-10T10:00:00Z"));
  clock.set("2026-01-12T10:00:00Z");
  await approveOffer(decisions, placed.offerId, art());

  const old = await raiseWithLife(new Date("2026-02-01T10:00:00Z"));
  clock.set("2026-02-03T10:00:00Z");
  await withdrawReferral(decisions, old.id, art(), { reason: "other", text: WITHDRAW_REASON });

  const recent = await raiseWithLife(new Date(now.getTime() - 20 * DAY));
  clock.set(new Date(now.getTime() - 10 * DAY).toISOString());
  await withdrawReferral(decisions, recent.id, art(), { reason: "other", text: WITHDRAW_REASON });

  const live = await raiseWithLife(new Date(now.getTime() - 200 * DAY));
  clock.set(now.toISOString());
  return { ids: { placed: placed.id, withdrawnOld: old.id, withdrawnRecent: recent.id, live: live.id }, refs };
}
