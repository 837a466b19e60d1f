import { pdsProfileOf, pdsRows } from "../domain/pds-rows.js";
import { lotTitle } from "../domain/vocabulary.js";
import type { BroadcastProfile } from "../ports.js";
import { siblingGroupText } from "../referrals/sibling-group.js";

export interface ReferralProfileRow {
  reference: string;
  ageYears: number;
  gender: string;
  needCodes: string[];
  ehcp: boolean;
  legalStatus: string;
  area: string;
  urgency: "emergency" | "standard";
  requiredBy: Date;
  /** Null once erased (the referral closed long ago): the profile then carries an empty summary. */
  summary: string | null;
  /** The Placements Data Standard's categories as stored (JSON); null for a referral raised before them. */
  pds?: unknown;
  lot: { number: number; name: string };
  /** The references of its sibling group, itself included (siblingReferencesOf); absent or empty: none. */
  siblingReferences?: string[] | null;
}

/** The only projection of a referral that may leave the council: picks fields, so nothing else can slip in. */
export function broadcastProfileOf(r: ReferralProfileRow): BroadcastProfile {
  return {
    reference: r.reference,
    lotNumber: r.lot.number,
    lotName: r.lot.name,
    ageYears: r.ageYears,
    gender: r.gender,
    needCodes: [...r.needCodes],
    ehcp: r.ehcp,
    legalStatus: r.legalStatus,
    area: r.area,
    urgency: r.urgency,
    requiredBy: r.requiredBy.toISOString().slice(0, 10),
    summary: r.summary ?? "",
    ...pdsOf(r.pds),
    ...siblingsOf(r.siblingReferences),
  };
}

function siblingsOf(references: string[] | null | undefined): Pick<BroadcastProfile, "siblingGroup"> {
  const siblingGroup = siblingGroupText(references);
  return siblingGroup ? { siblingGroup } : {};
}

function pdsOf(stored: unknown): Pick<BroadcastProfile, "pds"> {
  const pds = pdsProfileOf(stored);
  return pds ? { pds } : {};
}

const calendarDate = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  day: "numeric",
  month: "long",
  year: "numeric",
});

/**
 * The broadcast profile as label and value, in reading order: what a provider's email and the chat card show,
 * so the card in the channel is exactly what providers were sent (nothing added, nothing left out).
 */
export function profileRows(p: BroadcastProfile): [label: string, value: string][] {
  return [
    ["Reference", p.reference],
    ["Lot", lotTitle({ number: p.lotNumber, name: p.lotName })],
    ["Age", `${p.ageYears} years`],
    ["Gender", p.gender],
    ["Needs", p.needCodes.join(", ") || "None recorded"],
    ["EHCP", p.ehcp ? "Yes" : "No"],
    ["Legal status", p.legalStatus],
    ["Area", p.area],
    ["Urgency", p.urgency === "emergency" ? "Emergency" : "Standard"],
    ["Required by", calendarDate.format(new Date(`${p.requiredBy}T00:00:00Z`))],
    ["Summary", p.summary],
    ...(p.siblingGroup ? [["Siblings", p.siblingGroup] as [string, string]] : []),
    ...(p.pds ? pdsRows(p.pds) : []),
  ];
}
