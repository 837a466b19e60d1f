// A small, known set of referrals for the digest: one per section (and some that must not appear), each with
// canary values in every restricted field and in the free-text summary, none of which may reach a digest.
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { ensureLots } from "../../src/providers/directory.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { withdrawReferral } from "../../src/referrals/withdraw.js";
import { art, fixedClock, socialWorker } from "./env.js";
import { makeProvider, offer, referralInput } from "./referrals.js";

export const DIGEST_CANARIES = {
  childName: "CanaryChild Qzxw",
  caseSystemId: "CANARY-CASE-5512",
  address: "7 Canary Row",
  narrative: "CanaryNarrative history",
  risks: "CanaryRisk detail",
};
export const DIGEST_CANARY_DOB = "2011-02-03";
export const SUMMARY_CANARY = "SummaryCanary free text";

/** Monday 23 November 2026, 08:30 in London (GMT): the digest's usual moment. */
export const DIGEST_NOW = "2026-11-23T08:30:00Z";

export type Seeded = Awaited<ReturnType<typeof seedDigestData>>;

export async function seedDigestData(db: Db, config: Config) {
  const clock = fixedClock(DIGEST_NOW);
  await ensureLots(db);
  for (const lot of await db.lot.findMany({ where: { number: { in: [1, 2, 3] } } })) {
    for (let i = 0; i < 2; i++) await makeProvider(db, lot.id, { name: `Lot ${lot.number} Home ${i}` });
  }
  const raise = async (
    at: string,
    lotNumber: number,
    over: Parameters<typeof referralInput>[1] = {},
    dateOfBirth = DIGEST_CANARY_DOB,
  ): Promise<{ id: string; reference: string }> => {
    clock.set(at);
    const input = referralInput(
      lotNumber,
      { summary: `Likes music. ${SUMMARY_CANARY}`, ...over },
      { ...DIGEST_CANARIES, dateOfBirth: new Date(dateOfBirth) },
      clock.now(),
    );
    return raiseReferral({ db, clock, config }, input, socialWorker());
  };
  const firstDelivery = async (referralId: string) =>
    (await db.delivery.findFirstOrThrow({ where: { round: { referralId } }, orderBy: { createdAt: "asc" } })).id;
  const lastDelivery = async (referralId: string) =>
    (await db.delivery.findFirstOrThrow({ where: { round: { referralId } }, orderBy: { id: "desc" } })).id;

  // Emergency raised this morning, required today, no offer: the first line of the digest.
  const emergency = await raise("2026-11-23T07:00:00Z", 2, {
    urgency: "emergency",
    requiredBy: new Date("2026-11-23"),
    ageYears: 15,
    needCodes: ["SEMH", "ASD"],
    area: "PE1",
  });
  // Required by last Friday: overdue (and with no offer, but listed once, as overdue).
  const overdue = await raise("2026-11-10T10:00:00Z", 1, { requiredBy: new Date("2026-11-20"), area: "CB22" });
  // Raised a week ago at noon: its round closes today at 12:00; it has an offer awaiting a decision.
  // A year older than the others (the core checks the age against the date of birth).
  const closing = await raise(
    "2026-11-16T12:00:00Z",
    3,
    { requiredBy: new Date("2026-12-20"), ageYears: 16 },
    "2010-02-03",
  );
  clock.set("2026-11-18T09:00:00Z");
  const closingOffer = await offer({ db, clock }, await firstDelivery(closing.id), 2400);
  // No offer yet; one provider could not be reached.
  const noOffer = await raise("2026-11-20T09:00:00Z", 2, { requiredBy: new Date("2026-12-30"), gender: "male" });
  await db.delivery.update({
    where: { id: await lastDelivery(noOffer.id) },
    data: { state: "failed", lastError: "answered 410 Gone", updatedAt: new Date("2026-11-21T10:00:00Z") },
  });
  // An offer that has waited since Friday.
  const waiting = await raise("2026-11-18T09:00:00Z", 2, { requiredBy: new Date("2027-01-10") });
  clock.set("2026-11-20T15:00:00Z");
  await offer({ db, clock }, await firstDelivery(waiting.id), 4100);
  // Approved above the threshold: waiting for a second approver.
  const secondApproval = await raise("2026-11-19T09:00:00Z", 2, { requiredBy: new Date("2027-01-05") });
  clock.set("2026-11-21T09:00:00Z");
  const big = await offer({ db, clock }, await firstDelivery(secondApproval.id), 6500);
  clock.set("2026-11-22T09:00:00Z");
  await approveOffer({ db, clock, thresholdPence: config.SECOND_APPROVAL_THRESHOLD_GBP * 100 }, big.id, art());
  // Placed and withdrawn referrals are not unplaced: never in the digest.
  const placed = await raise("2026-11-12T09:00:00Z", 1, { requiredBy: new Date("2026-11-30") });
  clock.set("2026-11-13T09:00:00Z");
  const placedOffer = await offer({ db, clock }, await firstDelivery(placed.id), 900);
  await approveOffer({ db, clock, thresholdPence: 500_000 }, placedOffer.id, art());
  const withdrawn = await raise("2026-11-12T10:00:00Z", 1, { requiredBy: new Date("2026-11-30") });
  // Withdrawn two days before the digest: listed with its reason (the code's label, never the free text).
  clock.set("2026-11-21T08:30:00Z");
  await withdrawReferral({ db, clock }, withdrawn.id, art(), { reason: "other", text: "Secret words of staff" });

  // Slack threads for two of them.
  for (const [r, ts] of [
    [emergency, "1700000001.000100"],
    [waiting, "1700000002.000200"],
  ] as const) {
    await db.chatLink.create({
      data: { referralId: r.id, platform: "slack", channelId: "C0REFERRALS", threadId: ts, messageId: ts },
    });
  }
  return { emergency, overdue, closing, closingOffer, noOffer, waiting, secondApproval, placed, withdrawn };
}
