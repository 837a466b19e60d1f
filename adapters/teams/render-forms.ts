// The referral form, the ART-only details view and the answer form, as Adaptive Cards. Input ids are the
// core's field paths, so the core's field errors map straight back onto the form. Cards built from a person's
// own input or from restricted details are only ever returned to that person (an invoke response), never posted.

import { DUPLICATE_FIELDS, type DuplicateAnswers } from "../../src/chat/port.js";
import { PDS_FORM_SECTIONS, type PdsFormField, pdsInputOf } from "../../src/domain/pds-form.js";
import {
  GENDERS,
  LEGAL_STATUSES,
  type NewReferral,
  REFERRAL_FIELD_RULES,
  type RestrictedDetails,
} from "../../src/domain/referral-input.js";
import { LOT_OPTIONS, NEED_OPTIONS } from "../../src/domain/vocabulary.js";
import { actions, adaptiveCard, cut, type Element, execute, fact, heading, line, note } from "./card-parts.js";

type Values = Record<string, string>;
const choice = (value: string, title = value) => ({ title, value });

interface FieldSpec {
  id: string;
  label: string;
  input: Element;
  required?: boolean;
}

const PROFILE: FieldSpec[] = [
  {
    id: "profile.lotNumber",
    label: "Lot",
    required: true,
    input: {
      type: "Input.ChoiceSet",
      choices: LOT_OPTIONS.map((o) => choice(o.value, o.label)),
    },
  },
  { id: "profile.ageYears", label: "Age (years)", required: true, input: { type: "Input.Number", min: 0, max: 25 } },
  {
    id: "profile.gender",
    label: "Gender",
    required: true,
    input: { type: "Input.ChoiceSet", choices: GENDERS.map((g) => choice(g)) },
  },
  {
    id: "profile.needCodes",
    label: "Needs (SEN primary need codes)",
    input: { type: "Input.ChoiceSet", isMultiSelect: true, choices: NEED_OPTIONS.map((o) => choice(o.value, o.label)) },
  },
  {
    id: "profile.ehcp",
    label: "EHCP",
    required: true,
    input: { type: "Input.ChoiceSet", choices: [choice("yes", "Yes"), choice("no", "No")] },
  },
  {
    id: "profile.legalStatus",
    label: "Legal status",
    required: true,
    input: { type: "Input.ChoiceSet", choices: LEGAL_STATUSES.map((s) => choice(s)) },
  },
  {
    id: "profile.area",
    label: "Area (postcode district, e.g. PE1)",
    required: true,
    input: { type: "Input.Text", maxLength: 40 },
  },
  {
    id: "profile.urgency",
    label: "Urgency",
    required: true,
    input: {
      type: "Input.ChoiceSet",
      choices: [choice("emergency", "Emergency (same day)"), choice("standard", "Standard")],
    },
  },
  { id: "profile.requiredBy", label: "Required by", required: true, input: { type: "Input.Date" } },
  {
    id: "profile.summary",
    label: "Summary (no names, no identifying details)",
    required: true,
    input: { type: "Input.Text", isMultiline: true, maxLength: 1000 },
  },
];
const RESTRICTED: FieldSpec[] = [
  { id: "restricted.childName", label: "Child's name", required: true, input: { type: "Input.Text", maxLength: 200 } },
  { id: "restricted.dateOfBirth", label: "Date of birth", required: true, input: { type: "Input.Date" } },
  { id: "restricted.caseSystemId", label: "Case system id", input: { type: "Input.Text", maxLength: 100 } },
  { id: "restricted.address", label: "Address", input: { type: "Input.Text", isMultiline: true, maxLength: 500 } },
  { id: "restricted.narrative", label: "Narrative", input: { type: "Input.Text", isMultiline: true, maxLength: 3000 } },
  { id: "restricted.risks", label: "Risks", input: { type: "Input.Text", isMultiline: true, maxLength: 3000 } },
];
/** Asked for when the core finds the child has a live referral (and kept on the form once answered). */
const DUPLICATE: FieldSpec[] = [
  {
    id: DUPLICATE_FIELDS.reason,
    label: "Reason to raise another referral for this child",
    input: { type: "Input.Text", isMultiline: true, maxLength: 1000 },
  },
  {
    id: DUPLICATE_FIELDS.siblingOf,
    label: "Or, for a brother or sister: their referral's reference (e.g. R-2026-0041), to link them",
    input: { type: "Input.Text", maxLength: 20 },
  },
];
/** The Placements Data Standard's questions (src/domain/pds-form.ts), as Teams inputs. */
const pdsSpec = (f: PdsFormField): FieldSpec => ({
  id: f.id,
  label: f.label,
  input:
    f.kind === "number"
      ? // No min/max on these optional inputs: Microsoft's renderer reads an empty Input.Number as NaN, fails it
        // against min/max and silently blocks "Raise referral". The core's schema checks the range instead, and
        // its message comes back under the field.
        { type: "Input.Number" }
      : f.kind === "text"
        ? { type: "Input.Text", isMultiline: true, maxLength: f.maxLength }
        : {
            type: "Input.ChoiceSet",
            ...(f.kind === "multi" ? { isMultiSelect: true } : {}),
            choices: f.options.map((o) => choice(o.value, o.label)),
          },
});
const PDS_SECTIONS = PDS_FORM_SECTIONS.map((s) => ({ ...s, fields: s.fields.map(pdsSpec) }));
const PDS: FieldSpec[] = PDS_SECTIONS.flatMap((s) => s.fields);
export const MORE_DETAILS_ID = "pds.more";
export const FORM_FIELD_IDS = [...PROFILE, ...RESTRICTED, ...PDS, ...DUPLICATE].map((f) => f.id);

function inputs(fields: FieldSpec[], values: Values, errors: Record<string, string>): Element[] {
  return fields.flatMap((f) => [
    {
      ...f.input,
      id: f.id,
      label: f.label,
      isRequired: Boolean(f.required),
      // Shown by Teams when its own check (required, min/max) fails: the core's rule in words where it has one.
      errorMessage: REFERRAL_FIELD_RULES[f.id] ?? `${f.label} is required`,
      ...(values[f.id] ? { value: f.input.type === "Input.Number" ? Number(values[f.id]) : values[f.id] } : {}),
    },
    ...(errors[f.id]
      ? [{ type: "TextBlock", text: cut(errors[f.id]!, 300), color: "Attention", wrap: true, size: "Small" }]
      : []),
  ]);
}

/** The form; after a failed submission, the same form with the person's values and an error under each field. */
export function referralFormCard(
  formId: string,
  state: { values?: Values; fieldErrors?: Record<string, string[]>; error?: string; duplicateOf?: string } = {},
): Element {
  const errors = formErrors(state.fieldErrors ?? {});
  const values = state.values ?? {};
  const askDuplicate = Boolean(state.duplicateOf) || DUPLICATE.some((f) => values[f.id] || errors[f.id]);
  return adaptiveCard([
    heading("New referral", { size: "Large" }),
    // Raising failed as a whole: nothing was saved, and the form keeps their values so they can send it again.
    ...(state.error ? [{ type: "TextBlock", text: cut(state.error, 300), color: "Attention", wrap: true }] : []),
    ...(Object.keys(errors).length
      ? [{ type: "TextBlock", text: "Please correct the fields marked below.", color: "Attention", wrap: true }]
      : []),
    note("Anonymised profile: this is what providers see."),
    ...inputs(PROFILE, values, errors),
    heading("Restricted details (ART only, encrypted)"),
    ...inputs(RESTRICTED, values, errors),
    // The standard's questions fold away so the form stays short; hidden inputs still travel with the submit.
    // Open when they hold an answer or an error, so nothing the person wrote is out of sight.
    actions({
      type: "Action.ToggleVisibility",
      title: "More details (Placements Data Standard)",
      targetElements: [MORE_DETAILS_ID],
    }),
    {
      type: "Container",
      id: MORE_DETAILS_ID,
      isVisible: PDS.some((f) => values[f.id] || errors[f.id]),
      items: PDS_SECTIONS.flatMap((section) => [
        heading(section.title),
        ...(section.note ? [note(section.note)] : []),
        ...inputs(section.fields, values, errors),
      ]),
    },
    // The child has a live referral: nothing was raised; the reason (or a sibling's reference) lets it through.
    ...(askDuplicate
      ? [
          heading("This child may already have a live referral", { color: "Attention" }),
          ...(state.duplicateOf
            ? [line(`Nothing was raised. The live referral is ${state.duplicateOf}; ART will see the two linked.`)]
            : []),
          ...inputs(DUPLICATE, values, errors),
        ]
      : []),
    actions(execute("Raise referral", "submit_referral", { formId }, "positive")),
  ]);
}

/** Field errors keyed by input id, first message each; errors of fields not on the form go under the summary. */
export function formErrors(fieldErrors: Record<string, string[]>): Record<string, string> {
  const ids = new Set(FORM_FIELD_IDS);
  const out: Record<string, string> = {};
  for (const [path, messages] of Object.entries(fieldErrors)) {
    const id = ids.has(path) ? path : "profile.summary";
    const label = [...PROFILE, ...RESTRICTED, ...PDS, ...DUPLICATE].find((f) => f.id === path)?.label ?? path;
    // The duplicate warning is a sentence of its own, not a field's rule.
    out[id] ??= id === DUPLICATE_FIELDS.reason ? (messages[0] ?? "") : `${label}: ${messages[0] ?? "is not valid"}`;
  }
  return out;
}

/** The submitted card's input values (Teams sends them in the action's data, all as strings). */
export function formValues(data: Record<string, unknown>): Values {
  const out: Values = {};
  for (const id of FORM_FIELD_IDS) {
    const v = data[id];
    if (typeof v === "string" && v !== "") out[id] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[id] = String(v);
  }
  return out;
}

/** The form's answers beside the referral: a reason to raise a duplicate, a sibling's reference. */
export function duplicateAnswersOf(values: Values): DuplicateAnswers {
  const reason = values[DUPLICATE_FIELDS.reason];
  const siblingOf = values[DUPLICATE_FIELDS.siblingOf];
  return { ...(reason ? { reason } : {}), ...(siblingOf ? { siblingOf } : {}) };
}

/** The form's values as the core's NewReferral shape (the core validates it). */
export function formToInput(values: Values): NewReferral {
  const opt = (id: string) => values[id] || undefined;
  const more = pdsInputOf((id) => values[id]);
  return {
    profile: {
      lotNumber: Number(values["profile.lotNumber"]),
      ageYears: values["profile.ageYears"] === undefined ? Number.NaN : Number(values["profile.ageYears"]),
      gender: values["profile.gender"] as NewReferral["profile"]["gender"],
      needCodes: (values["profile.needCodes"] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean) as NewReferral["profile"]["needCodes"],
      ehcp: values["profile.ehcp"] === "yes",
      legalStatus: values["profile.legalStatus"] as NewReferral["profile"]["legalStatus"],
      area: values["profile.area"] ?? "",
      urgency: values["profile.urgency"] as NewReferral["profile"]["urgency"],
      requiredBy: values["profile.requiredBy"] as unknown as Date,
      summary: values["profile.summary"] ?? "",
      pds: more.pds as NewReferral["profile"]["pds"],
    },
    restricted: {
      childName: values["restricted.childName"] ?? "",
      dateOfBirth: values["restricted.dateOfBirth"] as unknown as Date,
      caseSystemId: opt("restricted.caseSystemId"),
      address: opt("restricted.address"),
      narrative: opt("restricted.narrative"),
      risks: opt("restricted.risks"),
      ...more.restricted,
    },
  };
}

/** Replaces the form, for its author, once the referral is raised: the restricted values do not stay on screen. */
export function raisedCard(reference: string, warnings: string[] = []): Element {
  return adaptiveCard([
    heading(`Referral ${reference} raised`, { color: "Good" }),
    line("Its card and thread are in the referrals channel. Providers are being contacted now."),
    ...(warnings.length
      ? [
          note(
            `Please check the summary, which every provider sees: ${warnings.join(" ")} If it should not be there, tell ART.`,
          ),
        ]
      : []),
  ]);
}

/** Restricted details, returned only to the ART member who asked; never posted to the channel. */
export function detailsCard(reference: string, d: RestrictedDetails, referralId: string): Element {
  return adaptiveCard([
    heading(`Restricted details: ${reference}`),
    note("Restricted: do not copy into the channel. This view has been recorded."),
    fact("Name", d.childName),
    fact("Date of birth", d.dateOfBirth.toISOString().slice(0, 10)),
    fact("Case system id", d.caseSystemId || "-"),
    fact("Address", d.address || "-"),
    fact("Narrative", d.narrative || "-"),
    fact("Risks", d.risks || "-"),
    actions(execute("Hide details", "hide_details", { referralId })),
  ]);
}
