// The Placements Data Standard export (`report --format pds`, GET /api/v1/reports/placements?format=pds): one
// CSV row per referral raised in the period (placed or not, so unmet demand shows too), in the standard's own
// column names, so a council can share sufficiency data with its region.
// Anonymised like the other reports: categories, a district, costs and dates only. The standard's free-text
// fields stay out (its "Other (please specify)" risks, and a preferred location finer than the district, which
// are restricted here), as do officers' names. "Child ID" is the referral reference: the case-system id is
// restricted and a child may have several referrals.
import type { Db } from "../db.js";
import { londonDate, londonMidnight } from "../digest/london.js";
import {
  ADDITIONAL_SUPPORT_LABELS,
  CARED_FOR_ALONGSIDE_LABELS,
  COMMUNICATION_NEED_LABELS,
  CULTURAL_NEEDS_LABELS,
  NO_KNOWN_RISK,
  PETS_LABELS,
  PLACEMENT_NEEDED_LABELS,
  PLACEMENT_TYPE_LABELS,
  type PlacementType,
  RISK_PRESENT,
  RISKS_TO_CHILD,
  RISKS_TO_OTHERS,
  SUITABILITY_LABELS,
} from "../domain/pds.js";
import type { PdsProfile } from "../domain/pds-input.js";
import { pdsProfileOf } from "../domain/pds-rows.js";
import { type CsvValue, toCsv } from "./csv.js";
import type { ReportPeriod } from "./period.js";

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The standard's column names, as its specification writes them (a stray bracket and tab trimmed). */
const REFERRAL_COLUMNS = [
  "Child ID",
  "When do you need this placement by",
  "Number of sublings to place with",
  "Preferred location for home search",
  "Communication, language and learning needs",
  "Specific communication and language requirements",
  "Adaptation to the home",
  "Cultural needs (e.g. place of worship)",
  "Who can the child be cared for alongside",
  "Can child live with pets/animals?",
  "Additional support (Please specify)",
  "Deprivation of Liberty Order",
  "Foster care suitability",
  "Residential care suitability",
  "Supported Accomodation suitability",
  "Risk to child: Self-harm",
  "Risk to child: Sexual exploitation",
  "Risk to child: Criminal exploitation",
  "Risk to child: Drug and alcohol use",
  "Risk to child: Eating disorder",
  "Risk to child: Going missing",
  "Risk to others or property: Physical harm",
  "Risk to others or property: Sexual harm",
  "Risk to others or property: Fire-setting",
  "Risk to others or property: Harm to animals",
  "Risk to others or property: Criminal exploitation",
] as const;
const PLACEMENT_COLUMNS = [
  "Total Weekly Cost (actual weekly fee paid)",
  "Placement Location",
  "Preferrabilty of placement location",
  "Education Continuity",
  "Provider URN (linked to Ofsted)",
  "How many siblings were placed together?",
  "Placement Type",
] as const;
const QA_COLUMNS = ["Date of Data entry (referral)", "Date of Data entry (placement)"] as const;
export const PDS_COLUMNS = [...REFERRAL_COLUMNS, ...PLACEMENT_COLUMNS, ...QA_COLUMNS] as const;

const yesNo = (b: boolean | null | undefined) => (b === null || b === undefined ? null : b ? "Yes" : "No");

function referralCells(reference: string, area: string, p: PdsProfile | undefined): CsvValue[] {
  // A referral raised before the standard's fields existed: only what every referral has.
  if (!p) return [reference, null, null, area, "Not Specified", ...Array(REFERRAL_COLUMNS.length - 5).fill(null)];
  const risk = (present: readonly string[], code: string) => (present.includes(code) ? RISK_PRESENT : NO_KNOWN_RISK);
  return [
    reference,
    PLACEMENT_NEEDED_LABELS[p.placementNeeded],
    p.siblingsToPlaceWith,
    area,
    p.communicationNeeds.length ? "Y" : "N",
    p.communicationNeeds.length ? p.communicationNeeds.map((c) => COMMUNICATION_NEED_LABELS[c]).join("; ") : "None",
    p.adaptationsToHome ? "Y" : "N",
    CULTURAL_NEEDS_LABELS[p.culturalNeeds],
    CARED_FOR_ALONGSIDE_LABELS[p.caredForAlongside],
    PETS_LABELS[p.pets],
    p.additionalSupport.length ? p.additionalSupport.map((s) => ADDITIONAL_SUPPORT_LABELS[s]).join("; ") : "NA",
    yesNo(p.deprivationOfLiberty),
    SUITABILITY_LABELS[p.suitability.foster],
    SUITABILITY_LABELS[p.suitability.residential],
    SUITABILITY_LABELS[p.suitability.supported],
    ...RISKS_TO_CHILD.map((r) => risk(p.risksToChild, r)),
    ...RISKS_TO_OTHERS.map((r) => risk(p.risksToOthers, r)),
  ];
}

/** The CSV for the referrals raised in the period (London dates, inclusive), oldest first. */
export async function pdsExportCsv(deps: { db: Db }, period: ReportPeriod): Promise<string> {
  const from = londonMidnight(period.from);
  const to = londonMidnight(addDays(period.to, 1));
  const referrals = await deps.db.referral.findMany({
    where: { createdAt: { gte: from, lt: to }, status: { not: "draft" } },
    include: { placementRecord: true },
    orderBy: [{ createdAt: "asc" }, { reference: "asc" }],
  });
  const rows = referrals.map((r) => {
    // Only a placed referral has an actual placement (an approval waiting for its second approver has not).
    const placed = r.status === "placed" ? r.placementRecord : null;
    return [
      ...referralCells(r.reference, r.area, pdsProfileOf(r.pds)),
      placed ? Math.round(placed.weeklyCostPence / 100) : null,
      placed?.location ?? null,
      yesNo(placed?.inPreferredLocation),
      yesNo(placed?.educationContinuity),
      placed?.providerUrn ?? null,
      placed?.siblingsPlacedTogether ?? null,
      placed ? (PLACEMENT_TYPE_LABELS[placed.placementType as PlacementType] ?? placed.placementType) : null,
      londonDate(r.createdAt),
      placed ? londonDate(placed.recordedAt) : null,
    ];
  });
  return toCsv(PDS_COLUMNS, rows);
}
