// Builds referrals, rounds, deliveries and offers through the core's own functions.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { NewReferral } from "../../src/domain/referral-input.js";
import type { Clock } from "../../src/ports.js";
import { createReferral, keyRingOf } from "../../src/referrals/create.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { openFirstRound } from "../../src/referrals/rounds.js";
import { ageOn, birthDateForAge, londonDaysAfter } from "./dates.js";
import { socialWorker } from "./env.js";

/**
 * A valid referral as of `at` (the clock the core will check it with): required in 22 days, and a date of birth
 * that matches the age (or, given a date of birth, the age it makes).
 */
/** Each referral is a different child unless a test says otherwise: the same child twice is refused as a duplicate. */
let children = 0;

export function referralInput(
  lotNumber: number,
  over: Partial<NewReferral["profile"]> = {},
  restricted: Partial<NewReferral["restricted"]> = {},
  at: Date = new Date(),
): NewReferral {
  const given = restricted.dateOfBirth ? new Date(restricted.dateOfBirth as Date).toISOString().slice(0, 10) : "";
  const ageYears = over.ageYears ?? (given ? ageOn(given, at) : 14);
  return {
    profile: {
      lotNumber,
      ageYears,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: new Date(londonDaysAfter(at, 22)),
      summary: "Needs a stable home with experienced carers; enjoys football.",
      ...over,
    },
    restricted: {
      childName: `Test Child ${++children}`,
      dateOfBirth: new Date(birthDateForAge(Number(ageYears), at)),
      ...restricted,
    },
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
  input: NewReferral = referralInput(lotNumber, {}, {}, deps.clock.now()),
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
    startDate: new Date(londonDaysAfter(deps.clock.now(), 8)),
    needsMet: "Therapeutic home with a trauma-informed team.",
  });
}
