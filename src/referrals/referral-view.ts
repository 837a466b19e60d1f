// A referral as the API shows it (GET /api/v1/referrals/:reference): status, rounds, offers and decisions, and the
// restricted details only for a caller whose scope allows them (viewed through viewRestrictedDetails, audited).
import { z } from "zod";
import type { Db } from "../db.js";
import type { KeyRing } from "../domain/crypto.js";
import { NotFoundError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { viewRestrictedDetails } from "./restricted-view.js";

const iso = z.iso.datetime();
export const referralViewSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  status: z.string(),
  lot: z.object({ number: z.number().int(), name: z.string() }),
  profile: z.object({
    ageYears: z.number().int(),
    gender: z.string(),
    needCodes: z.array(z.string()),
    ehcp: z.boolean(),
    legalStatus: z.string(),
    area: z.string(),
    urgency: z.string(),
    requiredBy: z.iso.date(),
    summary: z.string().nullable(),
  }),
  raisedBy: z.string().nullable(),
  createdAt: iso,
  duplicateOf: z.object({ reference: z.string(), reason: z.string().nullable() }).nullable(),
  siblingGroup: z.object({ first: z.string(), references: z.array(z.string()) }).nullable(),
  rounds: z.array(
    z.object({
      number: z.number().int(),
      openedAt: iso,
      closesAt: iso,
      closedAt: iso.nullable(),
      deliveries: z.number().int(),
    }),
  ),
  offers: z.array(
    z.object({
      id: z.uuid(),
      provider: z.object({ id: z.uuid(), name: z.string() }),
      weeklyCostGbp: z.number().nullable(),
      startDate: z.iso.date().nullable(),
      needsMet: z.string().nullable(),
      state: z.enum(["live", "revised", "withdrawn"]),
      receivedAt: iso,
    }),
  ),
  declines: z.array(
    z.object({ provider: z.object({ id: z.uuid(), name: z.string() }), reason: z.string().nullable() }),
  ),
  decisions: z.array(
    z.object({
      id: z.uuid(),
      offerId: z.uuid(),
      kind: z.enum(["approve", "reject"]),
      decidedBy: z.string(),
      decidedAt: iso,
      secondApprover: z.string().nullable(),
      secondApprovedAt: iso.nullable(),
    }),
  ),
  threads: z.array(z.object({ platform: z.string(), channelId: z.string(), threadId: z.string().nullable() })),
  restricted: z
    .object({
      childName: z.string(),
      dateOfBirth: z.iso.date(),
      caseSystemId: z.string().optional(),
      address: z.string().optional(),
      narrative: z.string().optional(),
      risks: z.string().optional(),
    })
    .optional()
    .describe("Only with the referrals:restricted:read scope; every view is audited"),
});
export type ReferralView = z.infer<typeof referralViewSchema>;

const day = (d: Date) => d.toISOString().slice(0, 10);

export async function referralView(
  deps: { db: Db; clock: Clock; keyRing: KeyRing },
  reference: string,
  opts: { actor: Actor; restricted: boolean },
): Promise<ReferralView> {
  const r = await deps.db.referral.findUnique({
    where: { reference },
    include: {
      lot: { select: { number: true, name: true } },
      rounds: { orderBy: { number: "asc" }, include: { _count: { select: { deliveries: true } } } },
      responses: { orderBy: { createdAt: "asc" }, include: { delivery: { select: { provider: true } } } },
      decisions: { orderBy: { decidedAt: "asc" } },
      chatLinks: { select: { platform: true, channelId: true, threadId: true } },
    },
  });
  if (!r) throw new NotFoundError("referral");
  const duplicate = r.duplicateOfId
    ? await deps.db.referral.findUnique({ where: { id: r.duplicateOfId }, select: { reference: true } })
    : null;
  const group = r.siblingGroupId
    ? await deps.db.referral.findMany({
        where: { siblingGroupId: r.siblingGroupId },
        orderBy: { createdAt: "asc" },
        select: { id: true, reference: true },
      })
    : [];
  const provider = (x: (typeof r.responses)[number]) => ({ id: x.providerId, name: x.delivery.provider.name });
  const view: ReferralView = {
    id: r.id,
    reference: r.reference,
    status: r.status,
    lot: r.lot,
    profile: {
      ageYears: r.ageYears,
      gender: r.gender,
      needCodes: r.needCodes,
      ehcp: r.ehcp,
      legalStatus: r.legalStatus,
      area: r.area,
      urgency: r.urgency,
      requiredBy: day(r.requiredBy),
      summary: r.summary,
    },
    raisedBy: r.raisedBy,
    createdAt: r.createdAt.toISOString(),
    duplicateOf: duplicate ? { reference: duplicate.reference, reason: r.duplicateReason } : null,
    siblingGroup: group.length
      ? {
          first: group.find((g) => g.id === r.siblingGroupId)?.reference ?? "",
          references: group.map((g) => g.reference),
        }
      : null,
    rounds: r.rounds.map((x) => ({
      number: x.number,
      openedAt: x.openedAt.toISOString(),
      closesAt: x.closesAt.toISOString(),
      closedAt: x.closedAt?.toISOString() ?? null,
      deliveries: x._count.deliveries,
    })),
    offers: r.responses
      .filter((x) => x.type === "offer")
      .map((x) => ({
        id: x.id,
        provider: provider(x),
        weeklyCostGbp: x.weeklyCostPence === null ? null : x.weeklyCostPence / 100,
        startDate: x.startDate ? day(x.startDate) : null,
        needsMet: x.needsMet,
        state: x.withdrawnAt ? "withdrawn" : x.supersededById ? "revised" : "live",
        receivedAt: x.createdAt.toISOString(),
      })),
    declines: r.responses
      .filter((x) => x.type === "decline")
      .map((x) => ({ provider: provider(x), reason: x.declineReason })),
    decisions: r.decisions.map((d) => ({
      id: d.id,
      offerId: d.responseId,
      kind: d.kind,
      decidedBy: d.decidedBy,
      decidedAt: d.decidedAt.toISOString(),
      secondApprover: d.secondApprover,
      secondApprovedAt: d.secondApprovedAt?.toISOString() ?? null,
    })),
    threads: r.chatLinks,
  };
  if (opts.restricted) {
    const details = await viewRestrictedDetails(deps, r.id, opts.actor);
    view.restricted = {
      childName: details.childName,
      dateOfBirth: day(details.dateOfBirth),
      ...(details.caseSystemId ? { caseSystemId: details.caseSystemId } : {}),
      ...(details.address ? { address: details.address } : {}),
      ...(details.narrative ? { narrative: details.narrative } : {}),
      ...(details.risks ? { risks: details.risks } : {}),
    };
  }
  return view;
}
