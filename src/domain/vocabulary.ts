// The words the whole service shares, defined here once: the SEND need codes and the Dynamic Purchasing System's
// lots. The intake schema, the forms on every chat platform, the provider directory's import, matching, the
// provider's page and the cards all read them from here, so a form can never offer a lot or need the core does
// not know, nor name one differently (a test checks no other file spells them out).

/** SEND Code of Practice primary-need codes (plus OTH for "other"), in the order forms list them. */
export const NEED_CODES = [
  "ASD",
  "SEMH",
  "SLCN",
  "MLD",
  "SLD",
  "PMLD",
  "SPLD",
  "HI",
  "VI",
  "MSI",
  "PD",
  "OTH",
] as const;
export type NeedCode = (typeof NEED_CODES)[number];

/** Each need code in plain English, for people who do not know the codes (providers' staff). */
export const NEED_LABELS: Readonly<Record<NeedCode, string>> = Object.freeze({
  ASD: "Autistic spectrum disorder",
  SEMH: "Social, emotional and mental health",
  SLCN: "Speech, language and communication needs",
  MLD: "Moderate learning difficulty",
  SLD: "Severe learning difficulty",
  PMLD: "Profound and multiple learning difficulty",
  SPLD: "Specific learning difficulty",
  HI: "Hearing impairment",
  VI: "Vision impairment",
  MSI: "Multi-sensory impairment",
  PD: "Physical disability",
  OTH: "Other difficulty or disability",
});

/** The DPS's lots by number. The database's Lot rows are created from these (STANDARD_LOTS). */
export const LOT_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: "Independent Fostering Agencies",
  2: "Residential Children's Homes",
  3: "Independent Special Education Provision / Post-16",
  4: "Out of School Tuition",
  5: "Post-16 Alternative Provision",
});

/** The lots `seed` (and a first import into an empty directory) creates, and every form offers. */
export const STANDARD_LOTS: readonly { number: number; name: string }[] = Object.freeze(
  Object.entries(LOT_NAMES).map(([number, name]) => ({ number: Number(number), name })),
);

/** "2 Residential Children's Homes": how a lot is named on forms and cards. */
export const lotTitle = (lot: { number: number; name: string }) => `${lot.number} ${lot.name}`;

/** What every form's lot and needs pickers offer (value: what the core parses; label: what people read). */
export const LOT_OPTIONS = STANDARD_LOTS.map((l) => ({ value: String(l.number), label: lotTitle(l) }));
export const NEED_OPTIONS = NEED_CODES.map((code) => ({ value: code, label: `${code}: ${NEED_LABELS[code]}` }));

/** The documents a provider may ask for before deciding, and ART may release to it (see src/documents). */
export const DOCUMENT_KINDS = ["care_plan", "risk_assessment", "ehcp", "other"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_LABELS: Readonly<Record<DocumentKind, string>> = Object.freeze({
  care_plan: "Care plan",
  risk_assessment: "Risk assessment",
  ehcp: "Education, health and care plan (EHCP)",
  other: "Other document",
});

/** "Care plan, Risk assessment": kinds as people read them (an unknown one, from an older row, as "Other document"). */
export const documentLabels = (kinds: readonly string[]) =>
  kinds.map((k) => DOCUMENT_LABELS[k as DocumentKind] ?? DOCUMENT_LABELS.other).join(", ");
/**
 * Placement types a vacancy can be declared for (the Placements Data Standard's foster / residential / supported
 * accommodation); a vacancy without one is for any type on its lot.
 */
export const PLACEMENT_TYPES = ["foster", "residential", "supported_accommodation"] as const;
export type PlacementType = (typeof PLACEMENT_TYPES)[number];

/**
 * How an offer's price is quoted. The DPS's lots price differently: fostering and residential homes by the week,
 * special schools by a 38- or 52-week annual fee, tuition by the hour, some day provision by the day.
 * src/domain/weekly-cost.ts turns each into one comparable weekly equivalent.
 */
export const COST_BASES = ["weekly", "annual_38_week", "annual_52_week", "hourly", "daily"] as const;
export type CostBasis = (typeof COST_BASES)[number];

/** Each basis as people read it, and the unit an amount on it is shown with ("£50/week", "£48,000 a year"). */
export const COST_BASIS_LABELS: Readonly<Record<CostBasis, string>> = Object.freeze({
  weekly: "Per week",
  annual_38_week: "Annual fee, 38-week (school year)",
  annual_52_week: "Annual fee, 52-week",
  hourly: "Per hour",
  daily: "Per day",
});

/** Extra services priced on top of the placement, each with its own amount and basis. */
export const ADD_ON_KINDS = ["one_to_one", "transport", "therapeutic", "other"] as const;
export type AddOnKind = (typeof ADD_ON_KINDS)[number];
export const ADD_ON_LABELS: Readonly<Record<AddOnKind, string>> = Object.freeze({
  one_to_one: "1:1 staffing",
  transport: "Transport",
  therapeutic: "Therapeutic support",
  other: "Other",
});
