// The response form's fields and how its raw strings become a response: one friendly message per field out.
import type { z } from "zod";
import type { ValidationError } from "../errors.js";
import { type DECLINE_REASONS, type ResponseInput, responseInputSchemaAt } from "../referrals/response-input.js";

export type DeclineReason = (typeof DECLINE_REASONS)[number];
export type ResponseKind = "offer" | "decline" | "question";

/** The form's fields, in page order (the error summary lists errors in this order too). */
export const FORM_FIELDS = [
  "type",
  "weeklyCostGbp",
  "startDate",
  "needsMet",
  "offerNotes",
  "reason",
  "declineNotes",
  "question",
] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FormValues = Record<FormField, string>;
export type FormErrors = Partial<Record<FormField, string>>;

export function emptyFormValues(): FormValues {
  return {
    type: "",
    weeklyCostGbp: "",
    startDate: "",
    needsMet: "",
    offerNotes: "",
    reason: "",
    declineNotes: "",
    question: "",
  };
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
  weeklyCostGbp: "Enter the weekly cost",
  startDate: "Enter the earliest start date",
  needsMet: "Describe how you would meet the child's needs",
  reason: "Choose a reason for declining",
  question: "Enter your question",
};

const LABELS: Record<FormField, string> = {
  type: "Your response",
  weeklyCostGbp: "The weekly cost",
  startDate: "The start date",
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
  if (field === "weeklyCostGbp" && issue.code === "invalid_type") return "Enter the weekly cost as a number, like 1850";
  return `${LABELS[field]} ${issue.message}`;
}

/** Only the chosen type's fields become input; the rest of the form is ignored. */
function inputOf(v: FormValues): Record<string, unknown> {
  const optional = (s: string) => (s.trim() ? s : undefined);
  switch (v.type) {
    case "offer":
      return {
        type: "offer",
        weeklyCostGbp: normaliseMoney(v.weeklyCostGbp),
        startDate: isoDateOf(v.startDate) ?? v.startDate,
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

/** The schema's field name, for this form's type, as the form's own field. */
function formFieldOf(schemaField: string, type: string): FormField | undefined {
  if (schemaField === "notes") return type === "decline" ? "declineNotes" : "offerNotes";
  return (FORM_FIELDS as readonly string[]).includes(schemaField) ? (schemaField as FormField) : undefined;
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
    offer: ["weeklyCostGbp", "startDate", "needsMet"],
    decline: ["reason"],
    question: ["question"],
  };
  const required = Object.hasOwn(needed, v.type) ? needed[v.type] : undefined;
  if (!required) errors.type = REQUIRED.type;
  for (const f of required ?? []) if (!v[f].trim()) errors[f] = REQUIRED[f];
  if (v.type === "offer") {
    if (!errors.weeklyCostGbp && !MONEY.test(normaliseMoney(v.weeklyCostGbp))) {
      errors.weeklyCostGbp = "Enter the weekly cost in pounds, like 1850 or 1850.50";
    }
    if (!errors.startDate && !isoDateOf(v.startDate)) {
      errors.startDate = "Enter a real start date, for example 1 December 2026";
    }
  }
  const parsed = responseInputSchemaAt(today).safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = formFieldOf(String(issue.path[0] ?? "type"), v.type) ?? "type";
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
    const field = formFieldOf(key.split(".")[0] ?? "", type) ?? "type";
    errors[field] ??= `${LABELS[field]} ${messages[0] ?? "is not valid"}`;
  }
  if (!Object.keys(errors).length) errors.type = err.message;
  return errors;
}
