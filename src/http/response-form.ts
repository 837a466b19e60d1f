// The response form's fields and how its raw strings become a response: one friendly message per field out.
import type { z } from "zod";
import { ADD_ON_KINDS, type AddOnKind } from "../domain/vocabulary.js";
import type { ValidationError } from "../errors.js";
import { type DECLINE_REASONS, type ResponseInput, responseInputSchemaAt } from "../referrals/response-input.js";

export type DeclineReason = (typeof DECLINE_REASONS)[number];
export type ResponseKind = "offer" | "decline" | "question";

/** The form's fields, in page order (the error summary lists errors in this order too). */
export const FORM_FIELDS = [
  "type",
  "costGbp",
  "costBasis",
  "perWeek",
  "addOn_one_to_one_amount",
  "addOn_one_to_one_basis",
  "addOn_one_to_one_perWeek",
  "addOn_transport_amount",
  "addOn_transport_basis",
  "addOn_transport_perWeek",
  "addOn_therapeutic_amount",
  "addOn_therapeutic_basis",
  "addOn_therapeutic_perWeek",
  "addOn_other_label",
  "addOn_other_amount",
  "addOn_other_basis",
  "addOn_other_perWeek",
  "startDate",
  "placementDistrict",
  "needsMet",
  "offerNotes",
  "reason",
  "declineNotes",
  "question",
] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FormValues = Record<FormField, string>;
export type FormErrors = Partial<Record<FormField, string>>;

/** An add-on's three fields (and "other"'s label) on the form. */
export const addOnField = (kind: AddOnKind, part: "amount" | "basis" | "perWeek" | "label") =>
  `addOn_${kind}_${part}` as FormField;

export function emptyFormValues(): FormValues {
  const values = Object.fromEntries(FORM_FIELDS.map((f) => [f, ""])) as FormValues;
  values.costBasis = "weekly";
  for (const kind of ADD_ON_KINDS) values[addOnField(kind, "basis")] = "weekly";
  return values;
}

export function stringField(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first : "";
}

export function formValuesOf(body: unknown): FormValues {
  const values = emptyFormValues();
  for (const f of FORM_FIELDS) values[f] = stringField(body, f);
  return values;
}

/** "£1,850.50" -> "1850.50"; anything that is not plainly pounds (and pence) is left for the error message. */
const normaliseMoney = (raw: string) => raw.replace(/[£,\s]/g, "");
const MONEY = /^\d+(\.\d{1,2})?$/;

/** Date inputs send YYYY-MM-DD; a browser without one may send 1/12/2026, which we read as UK day/month/year. */
function isoDateOf(raw: string): string | undefined {
  const s = raw.trim();
  let y: number;
  let m: number;
  let d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (uk) [y, m, d] = [Number(uk[3]), Number(uk[2]), Number(uk[1])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

const REQUIRED: Partial<Record<FormField, string>> = {
  type: "Choose whether to offer a placement, decline or ask a question",
  costGbp: "Enter the cost",
  startDate: "Enter the earliest start date",
  needsMet: "Describe how you would meet the child's needs",
  reason: "Choose a reason for declining",
  question: "Enter your question",
};

const addOnLabels = Object.fromEntries(
  ADD_ON_KINDS.flatMap((k) => [
    [addOnField(k, "amount"), "The add-on's cost"],
    [addOnField(k, "basis"), "The add-on's basis"],
    [addOnField(k, "perWeek"), "The add-on's hours or days a week"],
    [addOnField(k, "label"), "What the other add-on is"],
  ]),
);

const LABELS: Record<FormField, string> = {
  ...(addOnLabels as Record<FormField, string>),
  type: "Your response",
  costGbp: "The cost",
  costBasis: "How the cost is charged",
  perWeek: "The hours or days a week",
  startDate: "The start date",
  placementDistrict: "The postcode district",
  needsMet: "How you would meet the child's needs",
  offerNotes: "Your notes",
  reason: "The reason",
  declineNotes: "Your notes",
  question: "Your question",
};

function friendlyMessage(field: FormField, issue: z.core.$ZodIssue): string {
  if (issue.code === "too_big" && issue.origin === "string") {
    return `${LABELS[field]} must be ${Number(issue.maximum).toLocaleString("en-GB")} characters or fewer`;
  }
  if (field === "type") return REQUIRED.type ?? issue.message;
  if (field === "reason") return "Choose a reason from the list";
  // The schema's own date rules (not in the past, not years ahead) say what is allowed; a shape error does not.
  if (field === "startDate" && issue.code !== "custom") return "Enter a real start date, for example 1 December 2026";
  if (field === "costGbp" && issue.code === "invalid_type") return "Enter the cost as a number, like 1850";
  return `${LABELS[field]} ${issue.message}`;
}

/** The add-ons the provider priced (an amount filled in), in form order. */
const addOnKindsIn = (v: FormValues) => ADD_ON_KINDS.filter((k) => v[addOnField(k, "amount")].trim());

/** The form's one "hours or days a week" box, as the schema's field for the basis. */
function perWeekOf(basis: string, perWeek: string): Record<string, string> {
  // A blank box is a missing number (the schema asks for it), not zero.
  if (!perWeek.trim()) return {};
  if (basis === "hourly") return { hoursPerWeek: perWeek.trim() };
  if (basis === "daily") return { daysPerWeek: perWeek.trim() };
  return {};
}

/** Only the chosen type's fields become input; the rest of the form is ignored. */
function inputOf(v: FormValues): Record<string, unknown> {
  const optional = (s: string) => (s.trim() ? s : undefined);
  switch (v.type) {
    case "offer":
      return {
        type: "offer",
        costGbp: normaliseMoney(v.costGbp),
        costBasis: v.costBasis || "weekly",
        ...perWeekOf(v.costBasis, v.perWeek),
        ...(addOnKindsIn(v).length
          ? {
              addOns: addOnKindsIn(v).map((k) => ({
                kind: k,
                ...(k === "other" ? { label: optional(v[addOnField(k, "label")]) } : {}),
                amountGbp: normaliseMoney(v[addOnField(k, "amount")]),
                basis: v[addOnField(k, "basis")] || "weekly",
                ...perWeekOf(v[addOnField(k, "basis")], v[addOnField(k, "perWeek")]),
              })),
            }
          : {}),
        startDate: isoDateOf(v.startDate) ?? v.startDate,
        placementDistrict: optional(v.placementDistrict),
        needsMet: v.needsMet,
        notes: optional(v.offerNotes),
      };
    case "decline":
      return { type: "decline", reason: v.reason, notes: optional(v.declineNotes) };
    case "question":
      return { type: "question", question: v.question };
    default:
      return { type: undefined };
  }
}

/** The schema's field (its path), for this form's type, as the form's own field. */
function formFieldOf(path: readonly PropertyKey[], type: string, v?: FormValues): FormField | undefined {
  const [first, index, part] = path.map(String);
  if (first === "notes") return type === "decline" ? "declineNotes" : "offerNotes";
  if (first === "weeklyCostGbp") return "costGbp";
  if (first === "hoursPerWeek" || first === "daysPerWeek") return "perWeek";
  if (first === "addOns") {
    const kind = v ? addOnKindsIn(v)[Number(index)] : undefined;
    if (!kind) return "costGbp";
    const p = part === "amountGbp" ? "amount" : part === "label" ? "label" : part === "basis" ? "basis" : "perWeek";
    return addOnField(kind, p);
  }
  return (FORM_FIELDS as readonly string[]).includes(first ?? "") ? (first as FormField) : undefined;
}

/** `today` is the London date (YYYY-MM-DD) the schema's date rules use. */
export function validateResponseForm(
  v: FormValues,
  today: string,
): { ok: true; input: ResponseInput } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const input = inputOf(v);
  // Checks the schema cannot phrase well for a person: blanks, and shapes a number or date parse would bend.
  const needed: Record<string, FormField[]> = {
    offer: ["costGbp", "startDate", "needsMet"],
    decline: ["reason"],
    question: ["question"],
  };
  const required = Object.hasOwn(needed, v.type) ? needed[v.type] : undefined;
  if (!required) errors.type = REQUIRED.type;
  for (const f of required ?? []) if (!v[f].trim()) errors[f] = REQUIRED[f];
  if (v.type === "offer") {
    if (!errors.costGbp && !MONEY.test(normaliseMoney(v.costGbp))) {
      errors.costGbp = "Enter the cost in pounds, like 1850 or 1850.50";
    }
    for (const k of addOnKindsIn(v)) {
      const field = addOnField(k, "amount");
      if (!MONEY.test(normaliseMoney(v[field]))) errors[field] = "Enter the add-on's cost in pounds, like 50";
    }
    if (!errors.startDate && !isoDateOf(v.startDate)) {
      errors.startDate = "Enter a real start date, for example 1 December 2026";
    }
  }
  const parsed = responseInputSchemaAt(today).safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = formFieldOf(issue.path.length ? issue.path : ["type"], v.type, v) ?? "type";
      errors[field] ??= friendlyMessage(field, issue);
    }
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, input: input as ResponseInput };
}

/** The domain's field errors (should the core refuse what the form accepted) as form errors. */
export function formErrorsOf(err: ValidationError, type: string): FormErrors {
  const errors: FormErrors = {};
  for (const [key, messages] of Object.entries(err.fieldErrors)) {
    const field = formFieldOf(key.split("."), type) ?? "type";
    errors[field] ??= `${LABELS[field]} ${messages[0] ?? "is not valid"}`;
  }
  if (!Object.keys(errors).length) errors.type = err.message;
  return errors;
}
