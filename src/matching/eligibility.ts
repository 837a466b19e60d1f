/**
 * Provider eligibility for a referral: pure rules, no I/O.
 *
 * Every exclusion carries a sentence that ART staff can read in chat, so it
 * may only mention the provider's registration and the child's anonymised
 * profile (lot, age, gender, need codes, area) — never names, DOBs or notes.
 */

import { LOT_NAMES } from "../domain/vocabulary.js";

export interface ProviderForMatching {
  id: string;
  name: string;
  status: "active" | "suspended" | "removed";
  lotNumbers: number[];
  genders: string[];
  ageMin: number;
  ageMax: number;
  needsCovered: string[];
  areas: string[];
}

export interface ReferralForMatching {
  lotNumber: number;
  ageYears: number;
  gender: string;
  needCodes: string[];
  area: string;
}

export type ExclusionCode = "not_on_lot" | "not_active" | "gender" | "age" | "needs" | "area";

export interface Exclusion {
  code: ExclusionCode;
  reason: string;
}

const norm = (s: string): string => s.trim().toUpperCase();

function lotLabel(lot: number): string {
  const name = LOT_NAMES[lot];
  return name ? `Lot ${lot} (${name})` : `Lot ${lot}`;
}

// Outward code (district) such as "PE1", "CB22", "SW1A", "W1A": the letters
// before the first digit are the postcode area.
const DISTRICT = /^([A-Z]{1,2})\d[A-Z\d]?$/;

/**
 * Provider area tokens are either exact matches (district or area name) or a
 * whole postcode area ("PE" covers "PE1" and "PE13"). Partial prefixes are
 * deliberately not matched: "PE1" is a different district from "PE13", and
 * "P" is not the "PE" area.
 */
export function servesArea(providerAreas: readonly string[], referralArea: string): boolean {
  if (providerAreas.length === 0) return true;
  const area = norm(referralArea);
  const postcodeArea = DISTRICT.exec(area)?.[1];
  return providerAreas.some((a) => {
    const token = norm(a);
    return token === area || (postcodeArea !== undefined && token === postcodeArea);
  });
}

/** All reasons the provider cannot take this referral, in ExclusionCode order. */
export function exclusionsFor(p: ProviderForMatching, r: ReferralForMatching): Exclusion[] {
  const out: Exclusion[] = [];

  if (!p.lotNumbers.includes(r.lotNumber)) {
    out.push({ code: "not_on_lot", reason: `Not on ${lotLabel(r.lotNumber)}` });
  }

  if (p.status !== "active") {
    out.push({ code: "not_active", reason: `Provider is ${p.status} on the DPS` });
  }

  const genders = p.genders.map((g) => g.trim().toLowerCase());
  const childGender = r.gender.trim().toLowerCase();
  if (genders.length > 0 && !genders.includes(childGender)) {
    out.push({
      code: "gender",
      reason: `Registered for ${genders.join("/")} only; child is ${childGender}`,
    });
  }

  if (r.ageYears < p.ageMin || r.ageYears > p.ageMax) {
    out.push({
      code: "age",
      reason: `Registered for ages ${p.ageMin}-${p.ageMax}; child is ${r.ageYears}`,
    });
  }

  // Empty needsCovered covers nothing: providers must declare what they meet.
  const covered = new Set(p.needsCovered.map(norm));
  const missing = [...new Set(r.needCodes.map(norm))].filter((n) => !covered.has(n));
  if (missing.length > 0) {
    out.push({ code: "needs", reason: `Does not cover need${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` });
  }

  if (!servesArea(p.areas, r.area)) {
    out.push({
      code: "area",
      reason: `Does not serve ${norm(r.area)} (serves ${p.areas.map(norm).join(", ")})`,
    });
  }

  return out;
}

/** Partition providers into eligible and excluded, preserving input order. */
export function matchProviders<P extends ProviderForMatching>(
  providers: P[],
  r: ReferralForMatching,
): { eligible: P[]; excluded: { provider: P; reasons: Exclusion[] }[] } {
  const eligible: P[] = [];
  const excluded: { provider: P; reasons: Exclusion[] }[] = [];
  for (const provider of providers) {
    const reasons = exclusionsFor(provider, r);
    if (reasons.length === 0) eligible.push(provider);
    else excluded.push({ provider, reasons });
  }
  return { eligible, excluded };
}
