// The vacancy page (/p/vacancies?token=...): a provider's declared vacancies as rows of a form, blank rows to add
// more. Server-rendered like the response page: no script, styles under the response's CSP nonce.
import { PLACEMENT_TYPES } from "../../domain/vocabulary.js";
import { escapeHtml, layout } from "./layout.js";

export interface VacancyRowValues {
  lot: string;
  placementType: string;
  ageMin: string;
  ageMax: string;
  areas: string;
  count: string;
}

const TYPE_LABELS: Record<string, string> = {
  "": "Any on the lot",
  foster: "Foster care",
  residential: "Residential",
  supported_accommodation: "Supported accommodation",
};

const blank: VacancyRowValues = { lot: "", placementType: "", ageMin: "", ageMax: "", areas: "", count: "" };

export function vacancyPage(m: {
  nonce: string;
  providerName: string;
  lots: { number: number; name: string }[];
  rows: VacancyRowValues[];
  lastConfirmedAt?: string;
  errors: string[];
  saved: boolean;
  action: string;
  csrf: string;
}): string {
  const rows = [...m.rows, blank, blank, blank];
  const options = (values: [string, string][], selected: string) =>
    values
      .map(([v, l]) => `<option value="${escapeHtml(v)}"${v === selected ? " selected" : ""}>${escapeHtml(l)}</option>`)
      .join("");
  const lotOptions: [string, string][] = [
    ["", "Choose a lot"],
    ...m.lots.map((l): [string, string] => [String(l.number), `${l.number} ${l.name}`]),
  ];
  const typeOptions: [string, string][] = ["", ...PLACEMENT_TYPES].map((t) => [t, TYPE_LABELS[t] ?? t]);
  const fieldset = (r: VacancyRowValues, i: number) => `<fieldset class="group"><legend>Vacancy ${i + 1}</legend>
<label for="lot_${i}">Lot</label><select id="lot_${i}" name="lot_${i}">${options(lotOptions, r.lot)}</select>
<label for="type_${i}">Placement type</label><select id="type_${i}" name="type_${i}">${options(typeOptions, r.placementType)}</select>
<label for="age_min_${i}">Youngest age</label><input id="age_min_${i}" name="age_min_${i}" inputmode="numeric" value="${escapeHtml(r.ageMin)}">
<label for="age_max_${i}">Oldest age</label><input id="age_max_${i}" name="age_max_${i}" inputmode="numeric" value="${escapeHtml(r.ageMax)}">
<label for="areas_${i}">Areas (postcode areas or districts, e.g. PE, CB1; blank for anywhere you serve)</label><input id="areas_${i}" name="areas_${i}" value="${escapeHtml(r.areas)}">
<label for="count_${i}">Places free (0 if full; blank to remove this row)</label><input id="count_${i}" name="count_${i}" inputmode="numeric" value="${escapeHtml(r.count)}">
</fieldset>`;
  const errors = m.errors.length
    ? `<div class="error-summary" role="alert"><h2>There is a problem</h2><ul>${m.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join("")}</ul></div>`
    : "";
  const saved = m.saved ? `<div class="panel"><h2>Thank you: your vacancies are saved</h2></div>` : "";
  const confirmed = m.lastConfirmedAt ? `<p>Last confirmed: ${escapeHtml(m.lastConfirmedAt)}.</p>` : "";
  const body = `${saved}${errors}<h1>Vacancies: ${escapeHtml(m.providerName)}</h1>
<p>Tell the placement team where you have places. Referrals go first to providers with a confirmed vacancy that fits the child, so please confirm at least every two weeks, even if nothing changed.</p>
${confirmed}
<form method="post" action="${escapeHtml(m.action)}" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
<input type="hidden" name="rows" value="${rows.length}">
${rows.map(fieldset).join("\n")}
<button type="submit" class="button">Save and confirm vacancies</button>
</form>`;
  return layout({ title: `Vacancies: ${m.providerName}`, nonce: m.nonce, body, hasErrors: m.errors.length > 0 });
}
