// Raising a referral: validate, encrypt the restricted details at once, store as a draft, audit.

import { randomUUID } from "node:crypto";
import type { Config } from "../config.js";
import type { Db, Tx } from "../db.js";
import { encryptJson, type KeyRing } from "../domain/crypto.js";
import {
  type AnonymisedProfile,
  fieldErrorsOf,
  type NewReferral,
  newReferralSchemaFor,
} from "../domain/referral-input.js";
import { summaryWarnings } from "../domain/summary-guard.js";
import { NotFoundError, ValidationError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { type MatchHashes, matchHashes } from "./duplicates.js";
import { nextReference } from "./reference.js";

export function keyRingOf(config: Pick<Config, "RESTRICTED_DATA_KEYS" | "RESTRICTED_DATA_ACTIVE_KEY">): KeyRing {
  return { keys: config.RESTRICTED_DATA_KEYS, activeKeyId: config.RESTRICTED_DATA_ACTIVE_KEY };
}

/** The AAD that ties a restricted-details envelope to its referral row. */
export const restrictedAad = (referralId: string) => `referral:${referralId}`;

export interface CreatedReferral {
  id: string;
  reference: string;
  /** Things in the summary worth a second look (a phone number...): shown to the person who raised it. */
  warnings: string[];
  lotId: number;
}

/** A referral validated and with its restricted details encrypted, ready to insert in a transaction. */
export interface PreparedReferral {
  id: string;
  profile: AnonymisedProfile;
  envelope: string;
  /** Keyed hashes for finding the same child's live referral (see duplicates.ts); null without a key. */
  hashes: MatchHashes;
}

/** What an API intake adds to the row: who raised it, the body's digest, and its links to other referrals. */
export interface IntakeColumns {
  raisedBy?: string | null;
  sourceDigest?: string | null;
  duplicateOfId?: string | null;
  duplicateReason?: string | null;
  siblingGroupId?: string | null;
}

/** Validation (date rules as of `now`, in London) and encryption, done before any transaction opens (no I/O). */
export function prepareReferral(keyRing: KeyRing, input: NewReferral, now: Date, matchKey?: string): PreparedReferral {
  const parsed = newReferralSchemaFor(now).safeParse(input);
  if (!parsed.success) throw new ValidationError("The referral has errors", fieldErrorsOf(parsed.error));
  const { profile, restricted } = parsed.data;
  const id = randomUUID();
  return {
    id,
    profile,
    envelope: encryptJson(keyRing, restricted, restrictedAad(id)),
    hashes: matchKey ? matchHashes(matchKey, restricted) : { caseIdHash: null, nameDobHash: null },
  };
}

/** Inserts the draft and its audit row in the caller's transaction. */
export async function insertReferral(
  tx: Tx,
  args: {
    prepared: PreparedReferral;
    referencePrefix: string;
    actor: Actor;
    now: Date;
    sourceKey?: string;
    intake?: IntakeColumns;
  },
): Promise<CreatedReferral> {
  const { id, profile, envelope, hashes } = args.prepared;
  const now = args.now;
  const lot = await tx.lot.findUnique({ where: { number: profile.lotNumber } });
  if (!lot?.active) throw new ValidationError("Unknown lot", { "profile.lotNumber": ["is not an active lot"] });
  const reference = await nextReference(tx, args.referencePrefix, now.getUTCFullYear());
  await tx.referral.create({
    data: {
      id,
      reference,
      lotId: lot.id,
      status: "draft",
      ageYears: profile.ageYears,
      gender: profile.gender,
      needCodes: profile.needCodes,
      ehcp: profile.ehcp,
      legalStatus: profile.legalStatus,
      area: profile.area,
      urgency: profile.urgency,
      requiredBy: profile.requiredBy,
      summary: profile.summary,
      pds: profile.pds,
      restrictedEnvelope: envelope,
      createdBy: args.actor.id,
      createdAt: now,
      sourceKey: args.sourceKey ?? null,
      ...hashes,
      ...args.intake,
    },
  });
  await writeAudit(tx, {
    referralId: id,
    actor: args.actor.id,
    action: "referral.created",
    detail: { reference },
    at: now,
  });
  return { id, reference, warnings: summaryWarnings(profile.summary), lotId: lot.id };
}

/** A draft on its own (tests and tools); raising a referral for real is raiseReferral, one transaction. */
export async function createReferral(
  deps: { db: Db; clock: Clock; keyRing: KeyRing; referencePrefix: string },
  input: NewReferral,
  actor: Actor,
  sourceKey?: string,
): Promise<CreatedReferral> {
  const now = deps.clock.now();
  const prepared = prepareReferral(deps.keyRing, input, now);
  return deps.db.$transaction((tx) =>
    insertReferral(tx, {
      prepared,
      referencePrefix: deps.referencePrefix,
      actor,
      now,
      ...(sourceKey ? { sourceKey } : {}),
    }),
  );
}

export async function requireReferral(db: Db, id: string) {
  const referral = await db.referral.findUnique({ where: { id }, include: { lot: true } });
  if (!referral) throw new NotFoundError("referral");
  return referral;
}
