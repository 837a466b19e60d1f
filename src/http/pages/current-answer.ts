// The provider's answer so far, shown above the form when they come back to their link: what they offered (or
// declined) and what they can still do. An open offer can be changed (the form comes filled in with it; sending
// it replaces the offer) or withdrawn (a small form of its own, CSRF-checked like the main one).
import type { OfferCost } from "../../domain/weekly-cost.js";
import type { CurrentAnswer } from "../../responses/current-answer.js";
import { addOnField, emptyFormValues, type FormValues } from "../response-form.js";
import { DECLINE_REASON_LABELS } from "./form-fields.js";
import { escapeHtml, formatCalendarDate } from "./layout.js";

export function currentAnswerHtml(a: CurrentAnswer | null, csrf: string): string {
  if (!a) return "";
  if (a.type === "decline") {
    const reason = DECLINE_REASON_LABELS[a.reason as keyof typeof DECLINE_REASON_LABELS] ?? a.reason;
    return `<section class="inset" aria-labelledby="answer-heading"><h2 id="answer-heading">Your answer so far</h2>
<p>You declined this referral: ${escapeHtml(reason)}.</p>
<p>If things have changed, you can still make an offer below.</p></section>`;
  }
  const offer = `${a.revised ? "your revised offer" : "your offer"} of <strong>${escapeHtml(a.costText)}</strong>, starting ${escapeHtml(formatCalendarDate(a.startDate))}`;
  const text: Record<typeof a.state, string> = {
    open: `<p>The placement team has ${offer}.</p>
<p>To change it, send the form below again: your new offer replaces this one. Or withdraw it:</p>
<form method="post"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="type" value="withdraw"><button type="submit" class="button">Withdraw my offer</button></form>`,
    accepted: `<p>The placement team has accepted ${offer}. It can no longer be changed here; please contact them if something has changed.</p>`,
    not_taken_up: `<p>The placement team did not take up ${offer}. You can make a new offer below.</p>`,
    withdrawn: `<p>You withdrew ${offer}. You can make a new offer below.</p>`,
  };
  return `<section class="inset" aria-labelledby="answer-heading"><h2 id="answer-heading">Your answer so far</h2>
${text[a.state]}</section>`;
}

/** The form filled in with an open offer, so changing one detail is all a revision takes. */
export function valuesFromAnswer(a: CurrentAnswer | null): FormValues {
  const values = emptyFormValues();
  if (a?.type !== "offer" || a.state !== "open") return values;
  return {
    ...values,
    type: "offer",
    ...costValues(a.cost, values),
    startDate: a.startDate,
    placementDistrict: a.placementDistrict ?? "",
    needsMet: a.needsMet,
    offerNotes: a.notes ?? "",
  };
}

const perWeekText = (i: { hoursPerWeek?: number | null; daysPerWeek?: number | null }) =>
  String(i.hoursPerWeek ?? i.daysPerWeek ?? "");

/** An offer's price as the form's fields. */
function costValues(cost: OfferCost, empty: FormValues): Partial<FormValues> {
  const values: Partial<FormValues> = {
    costGbp: String(cost.amountPence / 100),
    costBasis: cost.basis,
    perWeek: perWeekText(cost),
  };
  for (const a of cost.addOns) {
    values[addOnField(a.kind, "amount")] = String(a.amountPence / 100);
    values[addOnField(a.kind, "basis")] = a.basis;
    values[addOnField(a.kind, "perWeek")] = perWeekText(a);
    if (a.kind === "other") values[addOnField(a.kind, "label")] = a.label ?? empty[addOnField(a.kind, "label")];
  }
  return values;
}
