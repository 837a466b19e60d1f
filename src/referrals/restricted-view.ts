// The only way restricted details leave the core: to an ART member, and every view is audited first.

import type { Db } from "../db.js";
import { decryptJson, type KeyRing } from "../domain/crypto.js";
import { type RestrictedDetails, restrictedDetailsSchema } from "../domain/referral-input.js";
import { ForbiddenError, GoneError, NotFoundError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { restrictedAad } from "./create.js";
import { auditRefusal } from "./decisions.js";

export async function viewRestrictedDetails(
  deps: { db: Db; clock: Clock; keyRing: KeyRing },
  referralId: string,
  actor: Actor,
): Promise<RestrictedDetails> {
  if (!actor.art) {
    await auditRefusal(deps.db, deps.clock, actor, referralId, "view_restricted");
    throw new ForbiddenError("Only the Access to Resources Team can view a child's details");
  }
  const referral = await deps.db.referral.findUnique({
    where: { id: referralId },
    select: { restrictedEnvelope: true, erasedAt: true },
  });
  if (!referral) throw new NotFoundError("referral");
  if (!referral.restrictedEnvelope) {
    const when = referral.erasedAt?.toISOString().slice(0, 10) ?? "earlier";
    throw new GoneError(`The child's details were erased (${when}) under the retention policy or an erasure request`);
  }
  // Audit before decrypting: a view that is not recorded must not happen.
  await deps.db.$transaction((tx) =>
    writeAudit(tx, { referralId, actor: actor.id, action: "restricted.viewed", at: deps.clock.now() }),
  );
  const envelope = referral.restrictedEnvelope;
  return restrictedDetailsSchema.parse(decryptJson(deps.keyRing, envelope, restrictedAad(referralId)));
}
