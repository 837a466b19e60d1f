// The Placements Data Standard's option lists (the open standard councils are converging on for describing a
// placement request and the placement made), defined once: the intake schema, both chat forms, the provider's
// page, the cards, the webhook contract and the `--format pds` export all read them from here. Each list keeps
// the standard's own wording as its label, so an export can be read against the standard column by column.

/** "When do you need this placement by": Today, <5 days, >5 days. */
export const PLACEMENT_NEEDED = ["today", "within_5_days", "over_5_days"] as const;
export type PlacementNeeded = (typeof PLACEMENT_NEEDED)[number];
export const PLACEMENT_NEEDED_LABELS: Readonly<Record<PlacementNeeded, string>> = Object.freeze({
  today: "Today",
  within_5_days: "<5 days",
  over_5_days: ">5 days",
});

/** "Specific communication and language requirements" (an empty list is the standard's "None"). */
export const COMMUNICATION_NEEDS = ["esol", "bsl", "makaton", "other"] as const;
export type CommunicationNeed = (typeof COMMUNICATION_NEEDS)[number];
export const COMMUNICATION_NEED_LABELS: Readonly<Record<CommunicationNeed, string>> = Object.freeze({
  esol: "ESOL",
  bsl: "BSL",
  makaton: "Makaton",
  other: "Other",
});

/** "Cultural needs (e.g. place of worship)". */
export const CULTURAL_NEEDS = ["required", "not_required", "not_known", "other"] as const;
export type CulturalNeeds = (typeof CULTURAL_NEEDS)[number];
export const CULTURAL_NEEDS_LABELS: Readonly<Record<CulturalNeeds, string>> = Object.freeze({
  required: "Required",
  not_required: "Not required",
  not_known: "Not Known",
  other: "Other",
});

/** "Who can the child be cared for alongside". */
export const CARED_FOR_ALONGSIDE = ["solo", "with_others", "only_older", "only_younger", "no_preference"] as const;
export type CaredForAlongside = (typeof CARED_FOR_ALONGSIDE)[number];
export const CARED_FOR_ALONGSIDE_LABELS: Readonly<Record<CaredForAlongside, string>> = Object.freeze({
  solo: "Solo placement recommended",
  with_others: "With other children recommended",
  only_older: "Only with other older children",
  only_younger: "Only with other younger children",
  no_preference: "No preference",
});

/** "Can child live with pets/animals?". */
export const PETS = ["must", "can", "no", "not_known"] as const;
export type Pets = (typeof PETS)[number];
export const PETS_LABELS: Readonly<Record<Pets, string>> = Object.freeze({
  must: "Yes - must",
  can: "Yes - can",
  no: "No",
  not_known: "Not Known",
});

/** "Additional support" (an empty list is the standard's "NA"; the detail of "other" is restricted). */
export const ADDITIONAL_SUPPORT = [
  "additional_supervision",
  "therapeutic_support",
  "respite_worker",
  "taxis_to_school",
  "other",
] as const;
export type AdditionalSupport = (typeof ADDITIONAL_SUPPORT)[number];
export const ADDITIONAL_SUPPORT_LABELS: Readonly<Record<AdditionalSupport, string>> = Object.freeze({
  additional_supervision: "Additional supervision",
  therapeutic_support: "Therapeutic support",
  respite_worker: "A worker for respite",
  taxis_to_school: "Taxis to school",
  other: "Other",
});

/** Foster / residential / supported accommodation suitability. */
export const SUITABILITY = ["preferred", "suitable", "unsuitable", "not_specified"] as const;
export type Suitability = (typeof SUITABILITY)[number];
export const SUITABILITY_LABELS: Readonly<Record<Suitability, string>> = Object.freeze({
  preferred: "Preferred",
  suitable: "Suitable but not preferred",
  unsuitable: "Unsuitable",
  not_specified: "Not specified",
});
export const CARE_SETTINGS = ["foster", "residential", "supported"] as const;
export type CareSetting = (typeof CARE_SETTINGS)[number];
export const CARE_SETTING_LABELS: Readonly<Record<CareSetting, string>> = Object.freeze({
  foster: "Foster care",
  residential: "Residential care",
  supported: "Supported Accomodation",
});

/** Risks to the child. A referral lists the ones present; every other is the standard's "No known risk". */
export const RISKS_TO_CHILD = [
  "self_harm",
  "sexual_exploitation",
  "criminal_exploitation",
  "drugs_alcohol",
  "eating_disorder",
  "going_missing",
] as const;
export type RiskToChild = (typeof RISKS_TO_CHILD)[number];
export const RISK_TO_CHILD_LABELS: Readonly<Record<RiskToChild, string>> = Object.freeze({
  self_harm: "Self-harm",
  sexual_exploitation: "Sexual exploitation",
  criminal_exploitation: "Criminal exploitation",
  drugs_alcohol: "Drug and alcohol use",
  eating_disorder: "Eating disorder",
  going_missing: "Going missing",
});

/** Risks to others or property, likewise. */
export const RISKS_TO_OTHERS = [
  "physical_harm",
  "sexual_harm",
  "fire_setting",
  "harm_to_animals",
  "criminal_exploitation",
] as const;
export type RiskToOthers = (typeof RISKS_TO_OTHERS)[number];
export const RISK_TO_OTHERS_LABELS: Readonly<Record<RiskToOthers, string>> = Object.freeze({
  physical_harm: "Physical harm",
  sexual_harm: "Sexual harm",
  fire_setting: "Fire-setting",
  harm_to_animals: "Harm to animals",
  criminal_exploitation: "Criminal exploitation",
});
export const RISK_PRESENT = "Risk Present";
export const NO_KNOWN_RISK = "No known risk";

/** "Placement Type" of the actual placement (the standard's three, plus other for lots outside them). */
export const PLACEMENT_TYPES = ["foster", "residential", "supported", "other"] as const;
export type PlacementType = (typeof PLACEMENT_TYPES)[number];
export const PLACEMENT_TYPE_LABELS: Readonly<Record<PlacementType, string>> = Object.freeze({
  foster: "Foster",
  residential: "Residential",
  supported: "Supported Accommodation",
  other: "Other",
});

/** The placement type a lot's placements are unless the approver says otherwise (lots 1 and 2 map directly). */
export const placementTypeOfLot = (lotNumber: number): PlacementType =>
  lotNumber === 1 ? "foster" : lotNumber === 2 ? "residential" : "other";

/** The band for a required-by date: the standard asks when, in three bands, counted from the day it is raised. */
export function placementNeededBand(today: string, requiredBy: string): PlacementNeeded {
  if (requiredBy <= today) return "today";
  const days = (Date.parse(`${requiredBy}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000;
  return days < 5 ? "within_5_days" : "over_5_days";
}

/** What a form's picker offers for a list: value is what the core parses, label what people read. */
export const optionsOf = <T extends string>(values: readonly T[], labels: Readonly<Record<T, string>>) =>
  values.map((value) => ({ value, label: labels[value] }));
