/**
 * Provider eligibility for a referral: pure rules, no I/O.
 *
 * Every exclusion carries a sentence that ART staff can read in chat, so it
 * may only mention the provider's registration and the child's anonymised
 * profile (lot, age, gender, need codes, area) — never names, DOBs or notes.
 */

import { LOT_NAMES } from "../domain/vocabulary.js";

export interface VacancyForMatching {
  lotNumber: number;
  /** Null: any placement type on the lot. */
  placementType: string | null;
  ageMin: number;
  ageMax: number;
  /** Empty: anywhere. */
  areas: string[];
  /** 0: declared full. */
  count: number;
  lastConfirmedAt: Date;
}

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
  /** 1 (in-house, block contract) is offered a referral first; absent counts as 1. */
  tier?: number;
  ofstedGrade?: string | null;
  vacancies?: VacancyForMatching[];
}

export interface ReferralForMatching {
  lotNumber: number;
  ageYears: number;
  gender: string;
  needCodes: string[];
  area: string;
  /** When the referral names one, a vacancy for another placement type does not count. */
  placementType?: string | null;
}

/**
 * The rules beyond the provider's registration, all off when absent (the registration rules alone):
 * the Ofsted gate, and the round's gate (src/matching/gate.ts) of tier and vacancy-first.
 */
export interface MatchingRules {
  /** OFSTED_EXCLUDE_INADEQUATE. */
  excludeInadequate?: boolean;
  /** Providers above this tier wait for a later widening; null or absent: every tier. */
  maxTier?: number | null;
  /** Only providers with a confirmed vacancy that fits the child. */
  vacancyOnly?: boolean;
  /** Declarations confirmed before this do not count (VACANCY_FRESH_DAYS before now). */
  vacancyFreshSince?: Date;
}

export type ExclusionCode =
  | "not_on_lot"
  | "not_active"
  | "gender"
  | "age"
  | "needs"
  | "area"
  | "ofsted"
  | "tier_later"
  | "full"
  | "no_vacancy";

/** Short words for each exclusion, as counted in the card's summary line ("9 full, 5 out of area"). */
export const EXCLUSION_SUMMARY: Record<ExclusionCode, string> = {
  not_on_lot: "not on the lot",
  not_active: "suspended",
  gender: "registered for another gender",
  age: "outside their age range",
  needs: "needs not covered",
  area: "out of area",
  ofsted: "Ofsted inadequate",
  tier_later: "on a later tier",
  full: "full",
  no_vacancy: "no confirmed vacancy",
};

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

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** Whether a declared vacancy has a free place for this child (lot, placement type, age, area). */
export function vacancyFits(v: VacancyForMatching, r: ReferralForMatching): boolean {
  return (
    v.count > 0 &&
    v.lotNumber === r.lotNumber &&
    (!r.placementType || v.placementType === null || v.placementType === r.placementType) &&
    r.ageYears >= v.ageMin &&
    r.ageYears <= v.ageMax &&
    servesArea(v.areas, r.area)
  );
}

/**
 * Vacancy-first: a provider without a fresh declaration on the lot has "no confirmed vacancy"; one whose fresh
 * declarations have no free place fitting the child is "full" (for this child).
 */
function vacancyExclusion(p: ProviderForMatching, r: ReferralForMatching, freshSince: Date): Exclusion | undefined {
  const fresh = (p.vacancies ?? []).filter(
    (v) => v.lotNumber === r.lotNumber && v.lastConfirmedAt.getTime() >= freshSince.getTime(),
  );
  if (fresh.some((v) => vacancyFits(v, r))) return undefined;
  if (fresh.length === 0) {
    return { code: "no_vacancy", reason: `No vacancy on ${lotLabel(r.lotNumber)} confirmed since ${ymd(freshSince)}` };
  }
  const latest = new Date(Math.max(...fresh.map((v) => v.lastConfirmedAt.getTime())));
  const free = fresh.some((v) => v.count > 0);
  return {
    code: "full",
    reason: free
      ? `Declared vacancies on ${lotLabel(r.lotNumber)} do not fit the child's age, area or placement type (confirmed ${ymd(latest)})`
      : `Declared full on ${lotLabel(r.lotNumber)} (confirmed ${ymd(latest)})`,
  };
}

/** Ofsted's lowest overall grade, as the provider CSV and Ofsted's own file spell it. */
export const isInadequate = (grade: string | null | undefined) => grade?.trim().toLowerCase() === "inadequate";

/** All reasons the provider cannot take this referral, in ExclusionCode order. */
export function exclusionsFor(p: ProviderForMatching, r: ReferralForMatching, rules: MatchingRules = {}): Exclusion[] {
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

  if (rules.excludeInadequate && isInadequate(p.ofstedGrade)) {
    out.push({ code: "ofsted", reason: "Rated inadequate by Ofsted (OFSTED_EXCLUDE_INADEQUATE)" });
  }

  const tier = p.tier ?? 1;
  if (rules.maxTier != null && tier > rules.maxTier) {
    out.push({
      code: "tier_later",
      reason: `Tier ${tier}: offered once the tier ${rules.maxTier} head start is over`,
    });
  }

  if (rules.vacancyOnly) {
    const v = vacancyExclusion(p, r, rules.vacancyFreshSince ?? new Date(0));
    if (v) out.push(v);
  }

  return out;
}

/** Partition providers into eligible and excluded, preserving input order. */
export function matchProviders<P extends ProviderForMatching>(
  providers: P[],
  r: ReferralForMatching,
  rules: MatchingRules = {},
): { eligible: P[]; excluded: { provider: P; reasons: Exclusion[] }[] } {
  const eligible: P[] = [];
  const excluded: { provider: P; reasons: Exclusion[] }[] = [];
  for (const provider of providers) {
    const reasons = exclusionsFor(provider, r, rules);
    if (reasons.length === 0) eligible.push(provider);
    else excluded.push({ provider, reasons });
  }
  return { eligible, excluded };
}
