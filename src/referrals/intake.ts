// A referral from a case system (POST /api/v1/referrals): the one intake schema (newReferralSchemaAt, as the chat
// forms use), plus who raised it, an optional reason to raise a second referral for a child who has a live one,
// and an optional sibling's reference. Raised like a chat referral (src/referrals/raise.ts): its card goes to
// every configured referrals channel. An Idempotency-Key makes a retried request safe: the same key with the same
// body answers the same referral; with another body it is refused (422), since that is a caller's bug.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { fieldErrorsOf, newReferralSchemaFor } from "../domain/referral-input.js";
import { IdempotencyKeyReusedError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Actor, Clock } from "../ports.js";
import { REFERENCE_PATTERN } from "../retention/export.js";
import { type RaiseConfig, raiseReferral } from "./raise.js";

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,200}$/;

/** What the API adds to the intake schema's { profile, restricted }. */
export const intakeExtrasSchema = z.object({
  raisedBy: z
    .object({
      email: z.email().max(254).optional(),
      entraObjectId: z.uuid().optional(),
    })
    .refine((r) => r.email || r.entraObjectId, "needs an email or an entraObjectId"),
  duplicateReason: z.string().trim().min(1).max(1000).optional(),
  siblingOf: z.string().regex(REFERENCE_PATTERN, "must be a referral reference like R-2026-0042").optional(),
});

export const intakeResultSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  status: z.string(),
  duplicateOf: z.string().nullable(),
  siblingGroup: z.string().nullable(),
  links: z.object({
    self: z.url(),
    threads: z.array(z.object({ platform: z.string(), channelId: z.string() })),
  }),
});
export type IntakeResult = z.infer<typeof intakeResultSchema>;

export interface IntakeDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: RaiseConfig & Pick<Config, "PUBLIC_BASE_URL" | "API_ENTRA_TENANT_ID">;
  /** The referrals channel of each configured chat platform: the card is posted in each. */
  referralChannels: { platform: string; channelId: string }[];
}

/** Keys sorted at every level, so the same body written in another key order has the same digest. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}
const bodyDigest = (body: unknown) =>
  createHash("sha256")
    .update(JSON.stringify(canonical(body)))
    .digest("hex");

export async function intakeReferral(
  deps: IntakeDeps,
  args: { body: unknown; idempotencyKey: string | undefined; actor: Actor },
): Promise<{ created: boolean; result: IntakeResult }> {
  const key = args.idempotencyKey ?? "";
  if (!IDEMPOTENCY_KEY_PATTERN.test(key))
    throw new ValidationError("An Idempotency-Key header is required", {
      "Idempotency-Key": ["must be 8-200 letters, digits or _ . : - (a UUID is ideal), one per new referral"],
    });
  // Per caller: two case systems choosing the same key never see each other's referral.
  const sourceKey = `api:${args.actor.id}:${key}`;
  const digest = bodyDigest(args.body);
  const replay = await replayOf(deps, sourceKey, digest);
  if (replay) return { created: false, result: replay };

  const body = (args.body ?? {}) as Record<string, unknown>;
  const extras = intakeExtrasSchema.safeParse(body);
  const referral = newReferralSchemaFor(deps.clock.now()).safeParse({
    profile: body.profile,
    restricted: body.restricted,
  });
  if (!extras.success || !referral.success) {
    throw new ValidationError("The referral has errors", {
      ...(extras.success ? {} : fieldErrorsOf(extras.error)),
      ...(referral.success ? {} : fieldErrorsOf(referral.error)),
    });
  }
  const raisedBy = extras.data.raisedBy.email?.toLowerCase() ?? extras.data.raisedBy.entraObjectId ?? null;
  try {
    const raised = await raiseReferral(deps, referral.data, args.actor, {
      sourceKey,
      chatLinks: deps.referralChannels,
      intake: { raisedBy, sourceDigest: digest },
      duplicateCheck: extras.data.duplicateReason ? { reason: extras.data.duplicateReason } : {},
      ...(extras.data.siblingOf ? { siblingOf: extras.data.siblingOf } : {}),
    });
    deps.logger.info(
      { referralId: raised.id, reference: raised.reference, caller: args.actor.id },
      "referral raised from the API",
    );
    return { created: true, result: await resultOf(deps, raised.id) };
  } catch (err) {
    // The same request twice at once: the unique source key let one through; answer as that one.
    const again = await replayOf(deps, sourceKey, digest);
    if (again) return { created: false, result: again };
    throw err;
  }
}

async function replayOf(deps: IntakeDeps, sourceKey: string, digest: string): Promise<IntakeResult | undefined> {
  const existing = await deps.db.referral.findUnique({
    where: { sourceKey },
    select: { id: true, sourceDigest: true },
  });
  if (!existing) return undefined;
  if (existing.sourceDigest !== digest) throw new IdempotencyKeyReusedError();
  return resultOf(deps, existing.id);
}

export const referralApiUrl = (baseUrl: string, reference: string) =>
  new URL(`/api/v1/referrals/${reference}`, baseUrl).toString();

async function resultOf(deps: IntakeDeps, id: string): Promise<IntakeResult> {
  const r = await deps.db.referral.findUniqueOrThrow({
    where: { id },
    select: {
      id: true,
      reference: true,
      status: true,
      duplicateOfId: true,
      siblingGroupId: true,
      chatLinks: { select: { platform: true, channelId: true } },
    },
  });
  const referenceOf = async (other: string | null) =>
    other
      ? ((await deps.db.referral.findUnique({ where: { id: other }, select: { reference: true } }))?.reference ?? null)
      : null;
  return {
    id: r.id,
    reference: r.reference,
    status: r.status,
    duplicateOf: await referenceOf(r.duplicateOfId),
    siblingGroup: await referenceOf(r.siblingGroupId),
    links: { self: referralApiUrl(deps.config.PUBLIC_BASE_URL, r.reference), threads: r.chatLinks },
  };
}
