// The placement report as ONE flat CSV table, one figure per row:
//   section,lot_number,lot_name,provider_id,provider_name,metric,value
// Lot sections (referrals, hours_to_first_offer, hours_to_placement, offers_per_referral, approved_cost) have a
// row per lot and metric; lot_number and lot_name are "all" / "All lots" on the overall rows. Provider sections
// (provider_responses, provider_declines) have a row per provider and metric (decline rows: one per reason code).
// An empty value means "no figure" (e.g. a median over no referrals).

import { type CsvValue, toCsv } from "./csv.js";
import type { LotFigures } from "./lot-figures.js";
import type { PlacementReport } from "./placement-report.js";

export const REPORT_CSV_HEADER = [
  "section",
  "lot_number",
  "lot_name",
  "provider_id",
  "provider_name",
  "metric",
  "value",
] as const;

type Row = CsvValue[];

function lotRows(lotNumber: number | string, lotName: string, f: LotFigures): Row[] {
  const row = (section: string, metric: string, value: CsvValue): Row => [
    section,
    lotNumber,
    lotName,
    null,
    null,
    metric,
    value,
  ];
  return [
    ...Object.entries(f.referrals).map(([metric, n]) => row("referrals", metric, n)),
    ...(["count", "median", "p90"] as const).map((m) => row("hours_to_first_offer", m, f.hoursToFirstOffer[m])),
    ...(["count", "median", "p90"] as const).map((m) => row("hours_to_placement", m, f.hoursToPlacement[m])),
    row("offers_per_referral", "mean", f.offersPerReferral.mean),
    row("offers_per_referral", "median", f.offersPerReferral.median),
    row("approved_cost", "count", f.approvedCost.count),
    row("approved_cost", "total_weekly_gbp", f.approvedCost.totalWeeklyGbp),
    row("approved_cost", "mean_weekly_gbp", f.approvedCost.meanWeeklyGbp),
  ];
}

export function placementReportCsv(report: PlacementReport): string {
  const rows: Row[] = [
    ...lotRows("all", "All lots", report.overall),
    ...report.byLot.flatMap((l) => lotRows(l.lot.number, l.lot.name, l)),
  ];
  for (const p of report.providers) {
    const row = (section: string, metric: string, value: CsvValue): Row => [
      section,
      null,
      null,
      p.provider.id,
      p.provider.name,
      metric,
      value,
    ];
    rows.push(
      row("provider_responses", "deliveries", p.deliveries),
      row("provider_responses", "delivered", p.delivered),
      row("provider_responses", "responded", p.responded),
      row("provider_responses", "response_rate", p.responseRate),
      row("provider_declines", "total", p.declines.total),
      ...Object.entries(p.declines.byReason).map(([reason, n]) => row("provider_declines", reason, n)),
    );
  }
  return toCsv(REPORT_CSV_HEADER, rows);
}
