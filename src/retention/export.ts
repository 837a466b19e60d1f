// Everything held about one referral, for a subject access request: the referral with its restricted details
// decrypted, its rounds and deliveries (provider names, outcomes), responses, decisions, follow-up messages,
// audit trail and the ids of its chat posts (to find them on the chat platform). ART only; the export is audited
// before anything is decrypted, as a view of the details is.
import type { Db } from "../db.js";
import { openDocument } from "../documents/content.js";
import { decryptJson, type KeyRing } from "../domain/crypto.js";
import { restrictedDetailsSchema } from "../domain/referral-input.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { restrictedAad } from "../referrals/create.js";
import { auditRefusal } from "../referrals/decisions.js";

export const REFERENCE_PATTERN = /^[A-Z]{1,4}-\d{4}-\d{4,}$/;

export async function exportReferral(
  deps: { db: Db; clock: Clock; keyRing: KeyRing },
  reference: string,
  actor: Actor,
  via: "cli" | "api",
) {
  const referral = await deps.db.referral.findUnique({
    where: { reference },
    include: {
      lot: { select: { number: true, name: true } },
      rounds: {
        orderBy: { number: "asc" },
        include: {
          deliveries: {
            orderBy: { createdAt: "asc" },
            include: {
              provider: { select: { id: true, name: true, ofstedUrn: true } },
              messages: { orderBy: { createdAt: "asc" } },
            },
          },
        },
      },
      responses: { orderBy: { createdAt: "asc" } },
      decisions: { orderBy: { decidedAt: "asc" } },
      chatLinks: { include: { posts: { orderBy: { postedAt: "asc" } } } },
      documents: { orderBy: { uploadedAt: "asc" }, include: { releases: { orderBy: { releasedAt: "asc" } } } },
      documentRequests: { orderBy: { requestedAt: "asc" } },
    },
  });
  if (!referral) throw new NotFoundError("referral");
  if (!actor.art) {
    await auditRefusal(deps.db, deps.clock, actor, referral.id, "export");
    throw new ForbiddenError("Only the Access to Resources Team can export a referral");
  }
  const exportedAt = deps.clock.now();
  await deps.db.$transaction((tx) =>
    writeAudit(tx, {
      referralId: referral.id,
      actor: actor.id,
      action: "referral.exported",
      detail: { reference, via },
      at: exportedAt,
    }),
  );
  const { restrictedEnvelope, rounds, responses, decisions, chatLinks, lot, documents, documentRequests, ...row } =
    referral;
  const restricted = restrictedEnvelope
    ? restrictedDetailsSchema.parse(decryptJson(deps.keyRing, restrictedEnvelope, restrictedAad(referral.id)))
    : null;
  const audit = await deps.db.auditEvent.findMany({ where: { referralId: referral.id }, orderBy: { id: "asc" } });

  return {
    exportedAt: exportedAt.toISOString(),
    exportedBy: actor.id,
    referral: { ...row, lot },
    // Null once erased (see erasedAt): nothing of it is held any more.
    restricted,
    rounds: rounds.map(({ deliveries, ...round }) => ({
      ...round,
      deliveries: deliveries.map(({ tokenHash: _hash, messages, ...d }) => ({
        ...d,
        messages: messages.map(({ dedupeKey: _key, ...m }) => m),
      })),
    })),
    responses: responses.map(({ idempotencyKey: _key, ...r }) => r),
    decisions,
    // Each document with its content (base64) while it is held, who it was released to and until when.
    documents: documents.map(({ contentEnvelope, ...d }) => ({
      ...d,
      contentBase64: contentEnvelope ? openDocument(deps.keyRing, d.id, contentEnvelope).toString("base64") : null,
    })),
    documentRequests,
    audit: audit.map((a) => ({ ...a, id: String(a.id) })),
    chat: chatLinks.map((l) => ({
      platform: l.platform,
      channelId: l.channelId,
      threadId: l.threadId,
      cardMessageId: l.messageId,
      posts: l.posts.map((p) => ({ itemKey: p.itemKey, messageId: p.messageId, postedAt: p.postedAt })),
    })),
  };
}

export type ReferralExport = Awaited<ReturnType<typeof exportReferral>>;
