// The response form's building blocks: the error summary, each kind of field with its label, hint and error,
// and the offer/decline/question choice. Every value is escaped; errors are tied to fields with aria attributes.

import { COST_BASES, COST_BASIS_LABELS } from "../../domain/vocabulary.js";
import { DECLINE_REASONS } from "../../referrals/responses.js";
import {
  type DeclineReason,
  FORM_FIELDS,
  type FormErrors,
  type FormField,
  type FormValues,
  type ResponseKind,
} from "../response-form.js";
import { escapeHtml } from "./layout.js";

export const DECLINE_REASON_LABELS: Record<DeclineReason, string> = {
  no_vacancy: "No vacancy",
  cannot_meet_needs: "We cannot meet the child's needs",
  outside_area: "Outside the area we cover",
  outside_age_range: "Outside the age range we care for",
  matching_concerns: "Concerns about matching with the children already living with us",
  other: "Another reason (please say in the notes)",
};

/** Where the error summary's link for a field takes the reader: the field's id (the first radio for `type`). */
export const fieldAnchor = (field: FormField): string => (field === "type" ? "type-offer" : field);

export function errorSummary(errors: FormErrors): string {
  const items = FORM_FIELDS.flatMap((f) => {
    const message = errors[f];
    return message ? [`<li><a href="#${fieldAnchor(f)}">${escapeHtml(message)}</a></li>`] : [];
  });
  if (!items.length) return "";
  return `<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">There is a problem</h2>
<ul>${items.join("")}</ul>
</div>`;
}

function errorMessage(field: FormField, errors: FormErrors): string {
  const message = errors[field];
  return message
    ? `<p class="error-message" id="${field}-error"><span class="visually-hidden">Error:</span> ${escapeHtml(message)}</p>`
    : "";
}

function describedBy(field: FormField, errors: FormErrors, hint: boolean): string {
  const ids = [hint ? `${field}-hint` : "", errors[field] ? `${field}-error` : ""].filter(Boolean);
  return ids.length ? ` aria-describedby="${ids.join(" ")}"` : "";
}

export interface FieldOpts {
  field: FormField;
  label: string;
  hint?: string;
  values: FormValues;
  errors: FormErrors;
}

function groupOpen(field: FormField, errors: FormErrors): string {
  return `<div class="form-group${errors[field] ? " form-group--error" : ""}">`;
}

function labelAndHint(o: FieldOpts): string {
  return `<label class="label" for="${o.field}">${escapeHtml(o.label)}</label>
${o.hint ? `<p class="hint" id="${o.field}-hint">${escapeHtml(o.hint)}</p>` : ""}
${errorMessage(o.field, o.errors)}`;
}

function invalidAttr(field: FormField, errors: FormErrors): string {
  return errors[field] ? ` aria-invalid="true"` : "";
}

export function textarea(o: FieldOpts): string {
  const cls = `textarea${o.errors[o.field] ? " textarea--error" : ""}`;
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<textarea class="${cls}" id="${o.field}" name="${o.field}" rows="5" maxlength="5000"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}>${escapeHtml(o.values[o.field])}</textarea>
</div>`;
}

export function costInput(o: FieldOpts): string {
  const cls = `input input--cost${o.errors[o.field] ? " input--error" : ""}`;
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<div class="prefix-wrap"><span class="prefix" aria-hidden="true">£</span><input class="${cls}" id="${o.field}" name="${o.field}" type="text" inputmode="decimal" autocomplete="off" spellcheck="false" value="${escapeHtml(o.values[o.field])}"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}></div>
</div>`;
}

/** A short free-text or number box (hours a week, an add-on's name). */
export function shortInput(o: FieldOpts, inputmode: "decimal" | "text" = "text"): string {
  const cls = `input input--short${o.errors[o.field] ? " input--error" : ""}`;
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<input class="${cls}" id="${o.field}" name="${o.field}" type="text" inputmode="${inputmode}" autocomplete="off" maxlength="100" value="${escapeHtml(o.values[o.field])}"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}>
</div>`;
}

/** How a price is charged: per week, annual 38- or 52-week fee, per hour, per day. */
export function basisSelect(o: FieldOpts): string {
  const cls = `select${o.errors[o.field] ? " select--error" : ""}`;
  const selected = o.values[o.field] || "weekly";
  const options = COST_BASES.map(
    (b) => `<option value="${b}"${selected === b ? " selected" : ""}>${escapeHtml(COST_BASIS_LABELS[b])}</option>`,
  );
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<select class="${cls}" id="${o.field}" name="${o.field}"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}>${options.join("")}</select>
</div>`;
}

export function dateInput(o: FieldOpts): string {
  const cls = `input input--date${o.errors[o.field] ? " input--error" : ""}`;
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<input class="${cls}" id="${o.field}" name="${o.field}" type="date" autocomplete="off" value="${escapeHtml(o.values[o.field])}"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}>
</div>`;
}

export function reasonSelect(o: FieldOpts): string {
  const cls = `select${o.errors[o.field] ? " select--error" : ""}`;
  const selected = o.values[o.field];
  const options = [
    `<option value=""${selected ? "" : " selected"}>Choose a reason</option>`,
    ...DECLINE_REASONS.map(
      (r) =>
        `<option value="${r}"${selected === r ? " selected" : ""}>${escapeHtml(DECLINE_REASON_LABELS[r])}</option>`,
    ),
  ];
  return `${groupOpen(o.field, o.errors)}
${labelAndHint(o)}
<select class="${cls}" id="${o.field}" name="${o.field}"${describedBy(o.field, o.errors, Boolean(o.hint))}${invalidAttr(o.field, o.errors)}>${options.join("")}</select>
</div>`;
}

const CHOICES: { value: ResponseKind; label: string; hint: string }[] = [
  {
    value: "offer",
    label: "Offer a placement",
    hint: "Tell us the cost (weekly, annual fee, hourly or daily, with any add-ons) and how you would meet the child's needs.",
  },
  { value: "decline", label: "Decline this referral", hint: "Tell us why, so we can send better-matched referrals." },
  { value: "question", label: "Ask a question first", hint: "The placement team will reply before the round closes." },
];

export function typeChoice(values: FormValues, errors: FormErrors): string {
  const radios = CHOICES.map(
    (c) => `<div class="choice">
<input type="radio" id="type-${c.value}" name="type" value="${c.value}" aria-describedby="type-${c.value}-hint"${values.type === c.value ? " checked" : ""}>
<div><label for="type-${c.value}">${escapeHtml(c.label)}</label>
<p class="hint" id="type-${c.value}-hint">${escapeHtml(c.hint)}</p></div>
</div>`,
  ).join("\n");
  return `<div class="form-group${errors.type ? " form-group--error" : ""}">
<fieldset${errors.type ? ` aria-describedby="type-error"` : ""}>
<legend><h2 class="legend-heading" id="respond-heading">How do you want to respond?</h2></legend>
${errorMessage("type", errors)}
${radios}
</fieldset>
</div>`;
}
