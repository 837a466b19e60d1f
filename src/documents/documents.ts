// Documents on request: a provider asks (from its response link) for the care plan, risk assessment or EHCP; ART
// or the social worker who raised the referral uploads them and releases them to that provider alone. The bytes
// are encrypted at rest and leave only through that provider's own response link, until the release expires;
// every upload, release and download is audited and each change records its event in the same transaction.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { queueProviderMessages } from "../delivery/follow-ups.js";
import { londonDate } from "../digest/london.js";
import { spokenDate } from "../domain/dates.js";
import { DOCUMENT_KINDS, documentLabels as labelsOf } from "../domain/vocabulary.js";
import { ForbiddenError, GoneError, NotFoundError, ValidationError } from "../errors.js";
import { recordEvent } from "../events.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { keyRingOf } from "../referrals/create.js";
import { auditRefusal } from "../referrals/decisions.js";
import { checkContent, extensionOf, openDocument, sealDocument } from "./content.js";
import { UPLOAD_LINK_MINUTES, uploadTokenFor, uploadUrlFor } from "./upload-link.js";

export interface DocumentDeps {
  db: Db;
  clock: Clock;
  config: Config;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const documentRequestSchema = z.object({
  kinds: z.array(z.enum(DOCUMENT_KINDS)).min(1, "choose at least one document").max(DOCUMENT_KINDS.length),
});

/** ART, or the social worker who raised it, handle a referral's documents; anyone else is refused and recorded. */
async function requireHandler(
  deps: DocumentDeps,
  actor: Actor,
  referral: { id: string; createdBy: string },
  what: string,
) {
  if (actor.art || referral.createdBy === actor.id) return;
  await auditRefusal(deps.db, deps.clock, actor, referral.id, what);
  throw new ForbiddenError("Only the Access to Resources Team or the referring social worker can handle its documents");
}

export async function uploadDocument(
  deps: DocumentDeps,
  actor: Actor,
  input: { referralId: string; kind: string; contentType: string | undefined; bytes: Buffer },
): Promise<{ id: string; reference: string }> {
  const referral = await deps.db.referral.findUnique({ where: { id: input.referralId } });
  if (!referral) throw new NotFoundError("referral");
  await requireHandler(deps, actor, referral, "document_upload");
  if (referral.erasedAt) throw new GoneError("This referral's personal data was erased; no documents can be added");
  const kind = z.enum(DOCUMENT_KINDS).safeParse(input.kind);
  if (!kind.success)
    throw new ValidationError("Unknown document kind", { kind: [`must be ${DOCUMENT_KINDS.join(", ")}`] });
  const contentType = checkContent(deps.config, input.contentType, input.bytes);
  const id = randomUUID();
  const contentEnvelope = sealDocument(keyRingOf(deps.config), id, input.bytes);
  await deps.db.$transaction(async (tx) => {
    await tx.referralDocument.create({
      data: {
        id,
        referralId: referral.id,
        kind: kind.data,
        contentType,
        sizeBytes: input.bytes.length,
        contentEnvelope,
        uploadedBy: actor.id,
      },
    });
    const detail = { documentId: id, kind: kind.data, sizeBytes: input.bytes.length };
    await writeAudit(tx, { referralId: referral.id, actor: actor.id, action: "document.uploaded", detail });
    await recordEvent(tx, { type: "document.uploaded", referralId: referral.id, documentId: id });
  });
  return { id, reference: referral.reference };
}

/** The "Add a document" button: a link for the clicker alone, to a page that uploads to this referral. */
export async function uploadLinkText(deps: DocumentDeps, actor: Actor, referralId: string): Promise<string> {
  const referral = await deps.db.referral.findUnique({ where: { id: referralId } });
  if (!referral) throw new NotFoundError("referral");
  await requireHandler(deps, actor, referral, "document_upload");
  if (referral.erasedAt) throw new GoneError("This referral's personal data was erased; no documents can be added");
  const token = uploadTokenFor(deps.config.RESPONSE_TOKEN_SECRET, referralId, actor, deps.clock.now());
  return `Add a document to ${referral.reference} here (this link is yours alone and works for ${UPLOAD_LINK_MINUTES} minutes): ${uploadUrlFor(deps.config.PUBLIC_BASE_URL, token)}`;
}

/** A provider's request, from its response link (deliveryId is what the link names). Asking again adds kinds. */
export async function requestDocuments(
  deps: Pick<DocumentDeps, "db" | "clock">,
  deliveryId: string,
  input: unknown,
): Promise<{ id: string }> {
  const parsed = documentRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError("The document request is not valid", {
      kinds: parsed.error.issues.map((i) => i.message),
    });
  }
  const delivery = await deps.db.delivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { round: true } });
  const referralId = delivery.round.referralId;
  return deps.db.$transaction(async (tx) => {
    const open = await tx.documentRequest.findFirst({ where: { deliveryId, releasedAt: null } });
    const kinds = [...new Set([...(open?.kinds ?? []), ...parsed.data.kinds])].sort();
    if (open && kinds.length === open.kinds.length) return { id: open.id }; // nothing new asked: a repeat
    const row = open
      ? await tx.documentRequest.update({ where: { id: open.id }, data: { kinds } })
      : await tx.documentRequest.create({ data: { referralId, deliveryId, kinds } });
    const detail = { requestId: row.id, providerId: delivery.providerId, kinds };
    await writeAudit(tx, {
      referralId,
      actor: `provider:${delivery.providerId}`,
      action: "documents.requested",
      detail,
    });
    await recordEvent(tx, { type: "documents.requested", referralId, requestId: row.id });
    return { id: row.id };
  });
}

/** One click: every uploaded document of the kinds asked for becomes downloadable by that provider alone. */
export async function releaseDocuments(deps: DocumentDeps, actor: Actor, requestId: string) {
  const request = await deps.db.documentRequest.findUnique({
    where: { id: requestId },
    include: { referral: true, delivery: { include: { provider: true } } },
  });
  if (!request) throw new NotFoundError("document request");
  await requireHandler(deps, actor, request.referral, "document_release");
  if (request.referral.erasedAt) throw new GoneError("This referral's personal data was erased");
  const documents = await deps.db.referralDocument.findMany({
    where: { referralId: request.referralId, kind: { in: request.kinds }, erasedAt: null },
    orderBy: { uploadedAt: "asc" },
  });
  if (documents.length === 0) {
    throw new ValidationError(
      `Nothing to release yet: no ${labelsOf(request.kinds).toLowerCase()} has been added to ${request.referral.reference}. Use "Add a document" first`,
    );
  }
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.DOCUMENT_LINK_DAYS * DAY_MS);
  await deps.db.$transaction(async (tx) => {
    for (const d of documents) {
      await tx.documentRelease.upsert({
        where: { documentId_deliveryId: { documentId: d.id, deliveryId: request.deliveryId } },
        update: { expiresAt, releasedBy: actor.id, releasedAt: now },
        create: { documentId: d.id, deliveryId: request.deliveryId, releasedBy: actor.id, releasedAt: now, expiresAt },
      });
    }
    await tx.documentRequest.update({ where: { id: requestId }, data: { releasedAt: now, releasedBy: actor.id } });
    // The message names the kinds and the date only: the documents themselves never travel by email or webhook.
    const text = `${labelsOf([...new Set(documents.map((d) => d.kind))])}: open your response link to download, until ${spokenDate(londonDate(expiresAt))}.`;
    await queueProviderMessages(tx, [
      {
        deliveryId: request.deliveryId,
        kind: "documents_released",
        text,
        createdBy: actor.id,
        dedupeKey: `${requestId}:${now.getTime()}`,
      },
    ]);
    const detail = { requestId, providerId: request.delivery.providerId, documentIds: documents.map((d) => d.id) };
    await writeAudit(tx, { referralId: request.referralId, actor: actor.id, action: "documents.released", detail });
    await recordEvent(tx, {
      type: "documents.released",
      referralId: request.referralId,
      requestId,
      documents: documents.length,
    });
  });
  return {
    reference: request.referral.reference,
    providerName: request.delivery.provider.name,
    documents: documents.length,
  };
}

/**
 * Releases are to a provider for a referral: a provider keeps what it was given when a new round gives it a new
 * link. `who` is what the provider's current response link resolved to.
 */
export interface LinkHolder {
  referralId: string;
  providerId: string;
}
const releasedWhere = (who: LinkHolder) => ({
  delivery: { providerId: who.providerId },
  document: { referralId: who.referralId },
});

/** What the provider behind a response link may download now (the response page lists them). */
export async function releasedTo(deps: Pick<DocumentDeps, "db" | "clock">, who: LinkHolder) {
  const rows = await deps.db.documentRelease.findMany({
    where: {
      ...releasedWhere(who),
      expiresAt: { gt: deps.clock.now() },
      document: { ...releasedWhere(who).document, erasedAt: null },
    },
    include: { document: { select: { id: true, kind: true, sizeBytes: true } } },
    orderBy: { releasedAt: "asc" },
  });
  // One line per document, with the latest expiry when it was released more than once (in several rounds).
  const byDocument = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = byDocument.get(r.document.id);
    if (!seen || seen.expiresAt < r.expiresAt) byDocument.set(r.document.id, r);
  }
  return [...byDocument.values()].map((r) => ({
    documentId: r.document.id,
    label: labelsOf([r.document.kind]),
    sizeBytes: r.document.sizeBytes,
    expiresAt: r.expiresAt,
  }));
}

/** A download through the provider's own link: audited before the bytes are decrypted. */
export async function downloadForProvider(deps: DocumentDeps, who: LinkHolder, documentId: string) {
  const release = await deps.db.documentRelease.findFirst({
    where: { documentId, ...releasedWhere(who) },
    orderBy: { expiresAt: "desc" },
    include: { document: { include: { referral: { select: { reference: true } } } } },
  });
  // Another provider's document, or one never released to this provider: the same answer as one that does not exist.
  if (!release) throw new NotFoundError("document");
  if (release.expiresAt <= deps.clock.now()) {
    throw new GoneError("This document's download has expired; ask the placement team again");
  }
  const doc = release.document;
  if (!doc.contentEnvelope) throw new GoneError("This document was erased under the retention policy");
  await deps.db.$transaction((tx) =>
    writeAudit(tx, {
      referralId: doc.referralId,
      actor: `provider:${who.providerId}`,
      action: "document.downloaded",
      detail: { documentId },
      at: deps.clock.now(),
    }),
  );
  return {
    bytes: openDocument(keyRingOf(deps.config), doc.id, doc.contentEnvelope),
    contentType: doc.contentType,
    filename: `${doc.referral.reference}-${doc.kind.replace(/_/g, "-")}.${extensionOf(doc.contentType)}`,
  };
}
