// What a referral's card and thread should show, derived from PostgreSQL alone. The sync compares this with
// what the thread already shows (ChatPost keys), so a lost or repeated sync job cannot lose or double a post.
import type { Db } from "../db.js";
import { displayedFailure, FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { londonDateTime } from "../digest/london.js";
import { documentLabels } from "../domain/vocabulary.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import { gateText } from "../matching/gate.js";
import { parseReach, reachText } from "../matching/reach.js";
import { costBreakdownOfRow } from "../referrals/offer-cost.js";
import { broadcastProfileOf } from "../responses/profile.js";
import { costText } from "./card-text.js";
import type { ReferralCard, ThreadItem } from "./port.js";

export const DECLINE_REASON_TEXT: Record<string, string> = {
  no_vacancy: "No vacancy",
  cannot_meet_needs: "Cannot meet the child's needs",
  outside_area: "Outside the area they serve",
  outside_age_range: "Outside their registered age range",
  matching_concerns: "Matching concerns with children already placed",
  other: "Other",
};

/**
 * A delivery that failed to reach its provider. One never sent because its round closed first (a referral
 * withdrawn straight after raising) is not a failure anyone must act on, so the thread does not list it.
 */
const isFailure = (d: { state: string; lastError: string | null }) =>
  d.state === "failed" && d.lastError !== FAILURE_REASONS.roundClosed;

/** Whether offers on a referral in this state can still be approved or declined (thread and comparison alike). */
export const offersLive = (status: string) => status === "offers_received" || status === "recirculated";

const gbp = (pence: number | null) => (pence ?? 0) / 100;

/** The offer's weekly equivalent and, unless it was a plain weekly price, how it was reached. */
function costOf(r: Parameters<typeof costBreakdownOfRow>[0] | undefined) {
  const breakdown = r ? costBreakdownOfRow(r) : null;
  return { weeklyCostGbp: gbp(r?.weeklyCostPence ?? null), ...(breakdown ? { costBreakdown: breakdown } : {}) };
}

export async function loadThreadState(db: Db, referralId: string) {
  const referral = await db.referral.findUniqueOrThrow({
    where: { id: referralId },
    include: {
      lot: true,
      rounds: {
        orderBy: { number: "asc" },
        include: {
          deliveries: { include: { provider: true, messages: true } },
          widenings: { orderBy: { step: "asc" } },
        },
      },
      responses: { orderBy: { createdAt: "asc" } },
      decisions: { orderBy: { decidedAt: "asc" } },
      documentRequests: { orderBy: { requestedAt: "asc" } },
      documents: { where: { erasedAt: null }, select: { kind: true } },
    },
  });
  return { ...referral, links: await linksOf(db, referral) };
}

/** Who raised it from a case system, and the referrals it is linked to (a possible duplicate, siblings). */
async function linksOf(
  db: Db,
  r: { id: string; raisedBy: string | null; duplicateOfId: string | null; siblingGroupId: string | null },
) {
  const ref = { id: true, reference: true } as const;
  const [duplicateOf, duplicates, siblings] = await Promise.all([
    r.duplicateOfId ? db.referral.findUnique({ where: { id: r.duplicateOfId }, select: ref }) : null,
    db.referral.findMany({ where: { duplicateOfId: r.id }, select: ref, orderBy: { createdAt: "asc" } }),
    r.siblingGroupId
      ? db.referral.findMany({
          where: { siblingGroupId: r.siblingGroupId, id: { not: r.id } },
          select: ref,
          orderBy: { createdAt: "asc" },
        })
      : [],
  ]);
  // An Entra object id is named as Teams knows that person, when they have used the bot.
  const known = r.raisedBy
    ? await db.chatUser.findFirst({ where: { platform: "teams", userId: r.raisedBy }, select: { displayName: true } })
    : null;
  return { raisedByName: known?.displayName ?? r.raisedBy, duplicateOf, duplicates, siblings };
}
type State = Awaited<ReturnType<typeof loadThreadState>>;

export function buildThread(s: State): { card: ReferralCard; items: ThreadItem[] } {
  const deliveries = s.rounds.flatMap((r) => r.deliveries);
  const providerName = new Map(deliveries.map((d) => [d.providerId, d.provider.name]));
  const grade = new Map(deliveries.map((d) => [d.providerId, d.provider.ofstedGrade]));
  const responseById = new Map(s.responses.map((r) => [r.id, r]));
  const decidedResponses = new Set(s.decisions.map((d) => d.responseId));
  const placedDecision = s.status === "placed" ? s.decisions.find((d) => d.id === s.pendingApprovalId) : undefined;
  const declinedResponses = new Set(s.decisions.filter((d) => d.kind === "reject").map((d) => d.responseId));
  const outcomeOf = (responseId: string) =>
    placedDecision?.responseId === responseId
      ? ("approved" as const)
      : declinedResponses.has(responseId)
        ? ("declined" as const)
        : undefined;
  const live = offersLive(s.status);
  const items: ThreadItem[] = [];
  if (s.links.raisedByName)
    items.push({ kind: "note", key: "raised_by", text: `Raised from the case system by ${s.links.raisedByName}.` });
  if (s.links.duplicateOf) {
    const reason = s.duplicateReason ? ` Reason given: ${s.duplicateReason}` : "";
    items.push({
      kind: "note",
      key: `duplicate_of:${s.links.duplicateOf.id}`,
      text: `⚠️ Possible duplicate: this child already has a live referral, ${s.links.duplicateOf.reference}.${reason}`,
    });
  }
  for (const d of s.links.duplicates)
    items.push({
      kind: "note",
      key: `duplicate:${d.id}`,
      text: `⚠️ Another referral, ${d.reference}, was raised for what looks like the same child.`,
    });
  for (const sib of s.links.siblings)
    items.push({ kind: "note", key: `sibling:${sib.id}`, text: `Sibling group: linked with ${sib.reference}.` });

  for (const [i, round] of s.rounds.entries()) {
    items.push({
      kind: "round_opened",
      key: `round:${round.number}:opened`,
      roundNumber: round.number,
      deliveries: round.deliveries.length,
      closesAt: round.closesAt,
    });
    for (const w of round.widenings) {
      items.push({
        kind: "round_widened",
        key: `round:${round.number}:widened:${w.step}`,
        roundNumber: round.number,
        scope: gateText({ tier: w.tier, vacancyOnly: w.vacancyOnly }),
        deliveries: w.deliveries,
      });
    }
    for (const d of round.deliveries.filter(isFailure)) {
      items.push({
        kind: "delivery_failed",
        key: `failed:${d.id}`,
        providerName: d.provider.name,
        // Only a classified reason reaches the thread, whatever an older row holds (see failure-reasons.ts).
        error: displayedFailure(d.lastError),
      });
    }
    if (round.closedAt) {
      const next = s.rounds[i + 1];
      const outcome = next ? "recirculated" : s.status === "expired" ? "expired" : "kept";
      items.push({ kind: "round_closed", key: `round:${round.number}:closed`, roundNumber: round.number, outcome });
    }
  }
  const revisions = offerRevisions(s.responses);
  for (const r of s.responses) {
    const name = providerName.get(r.providerId) ?? "A provider";
    if (r.type === "offer") {
      if (r.supersededById) continue; // shown as its revision, in its place
      const outcome = outcomeOf(r.id);
      items.push({
        kind: "offer",
        key: `response:${revisions.firstOf(r.id)}`,
        responseId: r.id,
        providerName: offerHeading(name, r, revisions.isRevision(r.id)),
        ofstedGrade: grade.get(r.providerId) ?? null,
        ...costOf(r),
        startDate: r.startDate?.toISOString().slice(0, 10) ?? "",
        needsMet: r.needsMet ?? "",
        notes: r.notes,
        // Once the referral is placed (or withdrawn, or expired) no offer keeps its buttons, decided or not; nor
        // does an offer its provider withdrew.
        actionable: live && !decidedResponses.has(r.id) && !r.withdrawnAt,
        ...(outcome ? { outcome } : {}),
      });
    } else if (r.type === "decline") {
      items.push({
        kind: "decline",
        key: `response:${r.id}`,
        providerName: name,
        reasonText: DECLINE_REASON_TEXT[r.declineReason ?? "other"] ?? "Other",
        notes: r.notes,
      });
    } else {
      items.push({
        kind: "question",
        key: `response:${r.id}`,
        responseId: r.id,
        providerName: name,
        question: r.question ?? "",
      });
    }
  }
  for (const d of s.decisions) {
    const offer = responseById.get(d.responseId);
    const name = providerName.get(offer?.providerId ?? "") ?? "A provider";
    const cost = costOf(offer);
    if (
      d.kind === "approve" &&
      !d.secondApprover &&
      s.status === "awaiting_second_approval" &&
      s.pendingApprovalId === d.id
    ) {
      items.push({
        kind: "second_approval_needed",
        key: `decision:${d.id}:pending`,
        referralId: s.id,
        providerName: name,
        ...cost,
        firstApproverId: d.decidedBy,
        actionable: true,
      });
    } else if (d.kind === "approve" && s.status === "placed" && s.pendingApprovalId === d.id) {
      items.push({
        kind: "decision",
        key: `decision:${d.id}:placed`,
        outcome: "placed",
        providerName: name,
        ...cost,
        decidedBy: [d.decidedBy, ...(d.secondApprover ? [d.secondApprover] : [])],
      });
    } else if (d.kind === "reject") {
      const refused = Boolean(d.secondApprover);
      items.push({
        kind: "decision",
        key: `decision:${d.id}:${refused ? "refused" : "declined"}`,
        outcome: refused ? "second_approval_refused" : "offer_declined",
        providerName: name,
        ...cost,
        decidedBy: refused ? [d.secondApprover!] : [d.decidedBy],
      });
    }
  }
  for (const d of deliveries) {
    for (const m of d.messages.filter((x) => x.kind === "answer")) {
      items.push({
        kind: "answer_sent",
        key: `answer:${m.id}`,
        providerName: d.provider.name,
        answer: m.text ?? "",
        answeredBy: m.createdBy ?? "ART",
      });
    }
  }
  items.push(...documentRequestItems(s, deliveries));
  if (s.status === "withdrawn") items.push({ kind: "withdrawn", key: "withdrawn", reason: s.statusReason ?? "" });
  return { card: cardOf(s, deliveries, providerName), items };
}

/** Each provider's request for documents, with buttons while the referral is open and its data not erased. */
function documentRequestItems(s: State, deliveries: State["rounds"][number]["deliveries"]): ThreadItem[] {
  const byDelivery = new Map(deliveries.map((d) => [d.id, d.provider.name]));
  const open = !TERMINAL_STATES.has(s.status) && !s.erasedAt;
  return s.documentRequests.map((r) => ({
    kind: "documents_requested",
    key: `documents:${r.id}`,
    requestId: r.id,
    referralId: s.id,
    providerName: byDelivery.get(r.deliveryId) ?? "A provider",
    documents: documentLabels(r.kinds),
    available: s.documents.filter((d) => r.kinds.includes(d.kind)).length,
    released: r.releasedAt !== null,
    actionable: open,
  }));
}

/**
 * A provider's revised offer takes the place (and the thread key) of the offer it replaced, so the message that
 * showed the first offer is redrawn as the revised one instead of the thread showing two.
 */
function offerRevisions(responses: { id: string; supersededById: string | null }[]) {
  const previous = new Map(responses.filter((r) => r.supersededById).map((r) => [r.supersededById!, r.id]));
  return {
    isRevision: (id: string) => previous.has(id),
    firstOf(id: string): string {
      let first = id;
      for (let seen = 0; previous.has(first) && seen < responses.length; seen++) first = previous.get(first)!;
      return first;
    },
  };
}

/** The offer's heading: the provider's name, and whether they revised or withdrew it. */
function offerHeading(name: string, r: { withdrawnAt: Date | null }, revised: boolean): string {
  if (r.withdrawnAt) return `${name} (offer withdrawn by the provider)`;
  return revised ? `${name} (revised)` : name;
}

/** An offer still in play: one the provider replaced or withdrew is not counted. */
const isLiveOffer = (r: { type: string; supersededById: string | null; withdrawnAt: Date | null }) =>
  r.type === "offer" && !r.supersededById && !r.withdrawnAt;

function cardOf(
  s: State,
  deliveries: State["rounds"][number]["deliveries"],
  providerName: Map<string, string>,
): ReferralCard {
  const round = s.rounds.at(-1);
  const count = (t: string) => s.responses.filter((r) => r.type === t).length;
  const offers = s.responses.filter(isLiveOffer).length;
  const placedDecision = s.status === "placed" ? s.decisions.find((d) => d.id === s.pendingApprovalId) : undefined;
  const placedOffer = placedDecision ? s.responses.find((r) => r.id === placedDecision.responseId) : undefined;
  const placement = placedOffer
    ? {
        providerName: providerName.get(placedOffer.providerId) ?? "A provider",
        ...costOf(placedOffer),
      }
    : undefined;
  const closes = round ? londonDateTime(round.closesAt) : "";
  const statusText: Record<ReferralState, string> = {
    draft: "Draft",
    open: `Open: round ${round?.number ?? 1} closes ${closes}`,
    offers_received: `${offers} offer${offers === 1 ? "" : "s"} to review; round ${round?.number ?? 1} closes ${closes}`,
    awaiting_second_approval: "Approved, waiting for a second (senior) approver",
    placed: placement ? `Placed with ${placement.providerName} at ${costText(placement)}` : "Placed",
    recirculated: `Recirculated: round ${round?.number ?? 1} closes ${closes}`,
    withdrawn: s.statusReason ? `Withdrawn: ${s.statusReason}` : "Withdrawn",
    expired: `Expired unplaced after ${s.rounds.length} rounds`,
  };
  // The same sibling group the providers were sent (references only).
  const profile = broadcastProfileOf({
    ...s,
    siblingReferences: s.siblingGroupId ? [s.reference, ...s.links.siblings.map((sib) => sib.reference)] : [],
  });
  const reach = parseReach(round?.reach);
  return {
    referralId: s.id,
    reference: profile.reference,
    profile,
    status: s.status,
    statusText: statusText[s.status],
    roundNumber: round?.number ?? 0,
    counts: {
      sent: deliveries.filter((d) => d.state === "delivered").length,
      failed: deliveries.filter(isFailure).length,
      offers,
      declines: count("decline"),
      questions: count("question"),
    },
    ...(placement ? { placement } : {}),
    ...(reach ? { reach: reachText(reach) } : {}),
    withdrawable: !TERMINAL_STATES.has(s.status),
  };
}
