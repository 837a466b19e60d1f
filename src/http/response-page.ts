// The page at a provider's response link (/r/<token>): the anonymised profile and one form to offer, decline or
// ask a question. Server-rendered, no JavaScript, no external assets; every value is escaped on the way in.

import { ADD_ON_KINDS, ADD_ON_LABELS } from "../domain/vocabulary.js";
import type { BroadcastProfile } from "../ports.js";
import {
  basisSelect,
  costInput,
  dateInput,
  errorSummary,
  type FieldOpts,
  reasonSelect,
  shortInput,
  textarea,
  typeChoice,
} from "./pages/form-fields.js";
import { escapeHtml, formatLondonDateTime, layout, reference } from "./pages/layout.js";
import { profileHtml } from "./pages/profile.js";
import { addOnField, type FormErrors, type FormField, type FormValues } from "./response-form.js";

export interface FormPageModel {
  nonce: string;
  csrf: string;
  providerName: string;
  roundNumber: number;
  respondBy: Date;
  profile: BroadcastProfile;
  values: FormValues;
  errors: FormErrors;
  /** The provider's answer so far (see pages/current-answer.ts), as HTML; empty before they answer. */
  currentAnswer?: string;
  /** Documents released to this provider and the form to ask for them (see pages/documents.ts), as HTML. */
  documents?: string;
}

export function formPage(m: FormPageModel): string {
  const { values, errors } = m;
  const f = (field: FormField, label: string, hint?: string): FieldOpts => ({
    field,
    label,
    values,
    errors,
    ...(hint ? { hint } : {}),
  });
  const hasErrors = Object.keys(errors).length > 0;
  const respondBy = `<time datetime="${escapeHtml(m.respondBy.toISOString())}">${escapeHtml(formatLondonDateTime(m.respondBy))}</time>`;
  const body = `${errorSummary(errors)}
<span class="caption">Placement referral${m.roundNumber > 1 ? `, round ${escapeHtml(m.roundNumber)}` : ""}</span>
<h1>Referral ${reference(m.profile.reference)}</h1>
<p class="lead">Sent to ${escapeHtml(m.providerName)}. The details below do not identify the child.</p>
<div class="inset"><p>Please respond by <strong>${respondBy}</strong> (UK time).</p></div>
<section aria-labelledby="profile-heading">
<h2 id="profile-heading">About the child</h2>
${profileHtml(m.profile)}
</section>
${m.currentAnswer ?? ""}
<section aria-labelledby="respond-heading">
<form class="response-form" method="post" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}">
${typeChoice(values, errors)}
<fieldset class="details" id="offer-details">
<legend>Your offer</legend>
${costInput(f("costGbp", "Cost", "In pounds, for the whole placement, as you charge it. For example, 1850 a week or 48000 a year"))}
${basisSelect(f("costBasis", "How the cost is charged"))}
${shortInput(f("perWeek", "Hours or days a week (hourly or daily prices only)", "For example, 20"), "decimal")}
<fieldset class="details-inner" id="add-ons">
<legend>Add-ons (optional)</legend>
<p class="hint">Anything charged on top of the placement, each on its own basis. We add them up as one weekly equivalent: an annual fee is divided by 52, an hourly or daily price multiplied by its hours or days a week.</p>
${ADD_ON_KINDS.map(
  (k) => `<h3>${ADD_ON_LABELS[k]}</h3>
${k === "other" ? shortInput(f(addOnField(k, "label"), "What it is")) : ""}
${costInput(f(addOnField(k, "amount"), `${ADD_ON_LABELS[k]}: cost`))}
${basisSelect(f(addOnField(k, "basis"), `${ADD_ON_LABELS[k]}: how it is charged`))}
${shortInput(f(addOnField(k, "perWeek"), `${ADD_ON_LABELS[k]}: hours or days a week (hourly or daily only)`), "decimal")}`,
).join("\n")}
</fieldset>
${dateInput(f("startDate", "Earliest start date", "For example, 1 December 2026"))}
${shortInput(f("placementDistrict", "Postcode district of the home (optional)", "The first half of its postcode only, for example LS6: the placement team sees how far it is from the child's area"))}
${textarea(f("needsMet", "How you would meet the child's needs", "For example, staffing, therapy, education and how you would support the child to settle"))}
${textarea(f("offerNotes", "Anything else (optional)"))}
</fieldset>
<fieldset class="details" id="decline-details">
<legend>Declining</legend>
${reasonSelect(f("reason", "Reason for declining"))}
${textarea(f("declineNotes", "Notes (optional)"))}
</fieldset>
<fieldset class="details" id="question-details">
<legend>Your question</legend>
${textarea(f("question", "What would you like to ask?", "Do not include anyone's personal details."))}
</fieldset>
<button type="submit" class="button">Send response</button>
</form>
</section>
${m.documents ?? ""}`;
  return layout({ title: `Respond to referral ${m.profile.reference}`, nonce: m.nonce, body, hasErrors });
}
