// The anonymised profile a provider sees on the response link, as a summary list with plain-English labels.
import { pdsRows } from "../../domain/pds-rows.js";
import { NEED_LABELS } from "../../domain/vocabulary.js";
import type { BroadcastProfile } from "../../ports.js";
import { escapeHtml, formatCalendarDate } from "./layout.js";

const LEGAL_STATUS_LABELS: Record<string, string> = {
  s20: "Section 20 (accommodated with parental agreement)",
  s31: "Section 31 (care order)",
  s38: "Section 38 (interim care order)",
  other: "Other",
};

function summaryRow(label: string, valueHtml: string): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd></div>`;
}

function ageText(years: number): string {
  if (years < 1) return "Under 1 year old";
  return years === 1 ? "1 year old" : `${years} years old`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function profileHtml(profile: BroadcastProfile): string {
  const needs = profile.needCodes.length
    ? `<ul class="needs">${profile.needCodes
        .map(
          (c) =>
            `<li>${c in NEED_LABELS ? `${escapeHtml(NEED_LABELS[c as keyof typeof NEED_LABELS])} (${escapeHtml(c)})` : escapeHtml(c)}</li>`,
        )
        .join("")}</ul>`
    : "None recorded";
  const urgency =
    profile.urgency === "emergency"
      ? `<strong class="tag">Emergency</strong>`
      : `<strong class="tag tag--standard">Standard</strong>`;
  return `<dl class="summary-list">
${summaryRow("Referral reference", escapeHtml(profile.reference))}
${summaryRow("Lot", `Lot ${escapeHtml(profile.lotNumber)}: ${escapeHtml(profile.lotName)}`)}
${summaryRow("Age", escapeHtml(ageText(profile.ageYears)))}
${summaryRow("Gender", escapeHtml(capitalise(profile.gender)))}
${summaryRow("Needs", needs)}
${summaryRow("Education, health and care plan (EHCP)", profile.ehcp ? "Yes" : "No")}
${summaryRow("Legal status", escapeHtml(LEGAL_STATUS_LABELS[profile.legalStatus] ?? profile.legalStatus))}
${summaryRow("Area", escapeHtml(profile.area))}
${summaryRow("Urgency", urgency)}
${summaryRow("Placement needed by", `<time datetime="${escapeHtml(profile.requiredBy)}">${escapeHtml(formatCalendarDate(profile.requiredBy))}</time>`)}
${summaryRow("Summary", `<span class="pre-line">${escapeHtml(profile.summary)}</span>`)}
${profile.siblingGroup ? summaryRow("Siblings", escapeHtml(profile.siblingGroup)) : ""}
${(profile.pds ? pdsRows(profile.pds) : []).map(([label, value]) => summaryRow(label, escapeHtml(value))).join("\n")}
</dl>`;
}
