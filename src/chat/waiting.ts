// What waits on someone, from PostgreSQL alone: offers awaiting ART's decision, second approvals awaiting a senior
// approver, providers' questions nobody has answered. The home view lists them for one person; the nudge job
// reminds the people who can act. Anonymised columns only (never the restricted details or the summary).
import type { Db } from "../db.js";
import type { Platform, ThreadRef } from "./port.js";

export type WaitingKind = "offer" | "second_approval" | "question";

export interface WaitingItem {
  kind: WaitingKind;
  /** Stable per item: "offer:<responseId>", "second:<decisionId>", "question:<responseId>". */
  key: string;
  referralId: string;
  reference: string;
  urgency: "emergency" | "standard";
  /** Who raised the referral (a platform-neutral actor id). */
  raisedBy: string;
  /** The first approver, for a second approval (who may not give it). */
  firstApprover?: string;
  /** The thread item that carries this item's buttons ("response:<first offer id>", "decision:<id>:pending"). */
  threadKey: string;
  text: string;
  since: Date;
}

const gbp = (pence: number | null) => `£${((pence ?? 0) / 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;

/** Everything waiting now, oldest first, at most `limit` of each kind. */
export async function waitingItems(db: Db, opts: { limit: number; kinds?: WaitingKind[] }): Promise<WaitingItem[]> {
  const kinds = new Set(opts.kinds ?? ["offer", "second_approval", "question"]);
  const referral = { select: { reference: true, urgency: true, createdBy: true } } as const;
  const [offers, seconds, questions] = await Promise.all([
    kinds.has("offer")
      ? db.response.findMany({
          where: {
            type: "offer",
            supersededById: null,
            withdrawnAt: null,
            decisions: { none: {} },
            referral: { status: { in: ["offers_received", "recirculated"] } },
          },
          include: { referral, delivery: { select: { provider: { select: { name: true } } } } },
          orderBy: { createdAt: "asc" },
          take: opts.limit,
        })
      : [],
    kinds.has("second_approval")
      ? db.referral.findMany({
          where: { status: "awaiting_second_approval", pendingApprovalId: { not: null } },
          select: { id: true, reference: true, urgency: true, createdBy: true, pendingApprovalId: true },
          orderBy: { updatedAt: "asc" },
          take: opts.limit,
        })
      : [],
    kinds.has("question")
      ? db.response.findMany({
          where: { type: "question", referral: { status: { notIn: ["placed", "withdrawn", "expired"] } } },
          include: {
            referral,
            delivery: {
              select: {
                provider: { select: { name: true } },
                messages: { where: { kind: "answer" }, select: { createdAt: true } },
              },
            },
          },
          orderBy: { createdAt: "asc" },
          take: opts.limit * 4,
        })
      : [],
  ]);
  const items: WaitingItem[] = [];
  const firstOfferIds = await firstOfferIdsOf(
    db,
    offers.map((o) => o.id),
  );
  for (const o of offers) {
    items.push({
      kind: "offer",
      key: `offer:${o.id}`,
      referralId: o.referralId,
      reference: o.referral.reference,
      urgency: o.referral.urgency,
      raisedBy: o.referral.createdBy,
      threadKey: `response:${firstOfferIds.get(o.id) ?? o.id}`,
      text: `Offer from ${o.delivery.provider.name}, ${gbp(o.weeklyCostPence)}/week`,
      since: o.createdAt,
    });
  }
  const decisions = await db.decision.findMany({
    where: { id: { in: seconds.map((s) => s.pendingApprovalId!) }, kind: "approve", secondApprover: null },
    include: { response: { include: { delivery: { select: { provider: { select: { name: true } } } } } } },
  });
  const decisionById = new Map(decisions.map((d) => [d.id, d]));
  for (const s of seconds) {
    const d = decisionById.get(s.pendingApprovalId!);
    if (!d) continue;
    items.push({
      kind: "second_approval",
      key: `second:${d.id}`,
      referralId: s.id,
      reference: s.reference,
      urgency: s.urgency,
      raisedBy: s.createdBy,
      firstApprover: d.decidedBy,
      threadKey: `decision:${d.id}:pending`,
      text: `Second approval for ${d.response.delivery.provider.name}, ${gbp(d.response.weeklyCostPence)}/week`,
      since: d.decidedAt,
    });
  }
  // A question counts as answered once an answer went to its provider after it was asked.
  const open = questions.filter((q) => !q.delivery.messages.some((m) => m.createdAt >= q.createdAt));
  for (const q of open.slice(0, opts.limit)) {
    items.push({
      kind: "question",
      key: `question:${q.id}`,
      referralId: q.referralId,
      reference: q.referral.reference,
      urgency: q.referral.urgency,
      raisedBy: q.referral.createdBy,
      threadKey: `response:${q.id}`,
      text: `Question from ${q.delivery.provider.name}: ${(q.question ?? "").slice(0, 200)}`,
      since: q.createdAt,
    });
  }
  return items;
}

/**
 * A revised offer is shown in its thread under the key of the first offer it replaced (thread-model.ts): follow
 * the chain back so buttons in a direct message are the same thread item's.
 */
async function firstOfferIdsOf(db: Db, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let frontier = new Map(ids.map((id) => [id, id]));
  for (let depth = 0; frontier.size && depth < 20; depth++) {
    const previous = await db.response.findMany({
      where: { supersededById: { in: [...frontier.keys()] } },
      select: { id: true, supersededById: true },
    });
    const next = new Map<string, string>();
    for (const p of previous) {
      const origin = frontier.get(p.supersededById!)!;
      out.set(origin, p.id);
      next.set(p.id, origin);
    }
    frontier = next;
  }
  return out;
}

/** Where each referral's thread lives on a platform. */
export async function threadsOf(db: Db, platform: Platform, referralIds: string[]): Promise<Map<string, ThreadRef>> {
  if (!referralIds.length) return new Map();
  const links = await db.chatLink.findMany({
    where: { platform, referralId: { in: [...new Set(referralIds)] }, threadId: { not: null } },
    select: { referralId: true, channelId: true, threadId: true },
  });
  return new Map(links.map((l) => [l.referralId, { channelId: l.channelId, threadId: l.threadId! }]));
}
