import type { BroadcastProfile } from "../ports.js";

interface ReferralProfileRow {
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
  lot: { number: number; name: string };
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
  };
}
