// Builds referrals, rounds, deliveries and offers through the core's own functions.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { NewReferral } from "../../src/domain/referral-input.js";
import type { Clock } from "../../src/ports.js";
import { createReferral, keyRingOf } from "../../src/referrals/create.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { openFirstRound } from "../../src/referrals/rounds.js";
import { socialWorker } from "./env.js";

export function referralInput(
  lotNumber: number,
  over: Partial<NewReferral["profile"]> = {},
  restricted = {},
): NewReferral {
  return {
    profile: {
      lotNumber,
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: new Date("2026-12-15"),
      summary: "Needs a stable home with experienced carers; enjoys football.",
      ...over,
    },
    restricted: { childName: "Test Child", dateOfBirth: new Date("2012-05-01"), ...restricted },
  };
}

export async function makeProvider(db: Db, lotId: number, over: Record<string, unknown> = {}) {
  const slug = randomUUID().slice(0, 8);
  return db.provider.create({
    data: {
      name: `Provider ${slug}`,
      email: `referrals@${slug}.example`,
      needsCovered: ["SEMH", "ASD"],
      lots: { create: { lotId } },
      ...over,
    },
  });
}

/** A referral in `open` with round 1 and one delivery per given provider. */
export async function openReferralWithDeliveries(
  deps: { db: Db; clock: Clock; config: Config },
  lotNumber: number,
  providerIds: string[],
  input: NewReferral = referralInput(lotNumber),
) {
  const { db, clock, config } = deps;
  const created = await createReferral(
    { db, clock, keyRing: keyRingOf(config), referencePrefix: config.REFERENCE_PREFIX },
    input,
    socialWorker(),
  );
  const deliveryIds: string[] = [];
  await openFirstRound({ db, clock, timing: config }, created.id, socialWorker(), async (tx, round) => {
    for (const providerId of providerIds) {
      const d = await tx.delivery.create({
        data: {
          roundId: round.id,
          providerId,
          channel: "email",
          tokenHash: createHash("sha256").update(randomBytes(32)).digest("hex"),
          tokenExpiresAt: round.closesAt,
        },
      });
      deliveryIds.push(d.id);
    }
  });
  return { ...created, deliveryIds };
}

export async function offer(deps: { db: Db; clock: Clock }, deliveryId: string, weeklyCostGbp: number) {
  return recordResponse(deps, deliveryId, {
    type: "offer",
    weeklyCostGbp,
    startDate: new Date("2026-12-01"),
    needsMet: "Therapeutic home with a trauma-informed team.",
  });
}
