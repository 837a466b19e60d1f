/**
 * Schema for one row of the provider import CSV.
 *
 * Input is the raw record from the CSV parser (header name -> cell text);
 * output is the camelCase shape the importer stores. Every issue path starts
 * with the CSV column name so parseProviderRow can say which cell is wrong.
 */
import { z } from "zod";
import { type AddressPolicy, isLoopbackLiteral, literalHostRefusal } from "../delivery/address-guard.js";
import { NEED_CODES } from "../domain/vocabulary.js";
import { ofstedDateOf } from "./ofsted-import.js";
import { parseVacancyCell } from "./vacancies.js";

export const PROVIDER_CSV_HEADERS = [
  "name",
  "lots",
  "email",
  "webhook_url",
  "webhook_secret",
  "ofsted_urn",
  "ofsted_grade",
  "genders",
  "age_min",
  "age_max",
  "needs",
  "areas",
  "status",
  "status_reason",
  // Added later; a file without them still imports (tier 1, Ofsted date and vacancies left as they are).
  "tier",
  "ofsted_inspected",
  "vacancies",
  "vacancies_confirmed",
] as const;

export const PROVIDER_GENDERS = ["female", "male", "non-binary"] as const;
export const OFSTED_GRADES = [
  "Outstanding",
  "Good",
  "Requires improvement",
  "Inadequate",
  "Not yet inspected",
] as const;
export const PROVIDER_STATUSES = ["active", "suspended", "removed"] as const;

const AGE_LIMIT = 25;

// Missing columns and blank cells are the same thing to a spreadsheet user.
const cell = z
  .string()
  .optional()
  .transform((v) => (v ?? "").trim());

/** Blank cell -> undefined, otherwise validated by `schema`. */
const optionalCell = <T extends z.ZodType<unknown, string>>(schema: T) =>
  cell.transform((v) => (v === "" ? undefined : v)).pipe(schema.optional());

/** `a; b;;c` -> ["a","b","c"], then each item validated by `item`. */
const listCell = <T extends z.ZodType<unknown, string>>(item: T) =>
  cell
    .transform((v) =>
      v
        .split(";")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(item));

const dedupe = <T>(xs: T[]): T[] => [...new Set(xs)];

const oneOf = (allowed: readonly string[]) => `is not one of ${allowed.join(", ")}`;

// The import-time half of the outbound address rules: a forbidden IP literal or localhost is refused here with
// the row's line; names are checked again at every send, since what they resolve to can change.
const webhookUrl = (policy: AddressPolicy) =>
  z.string().superRefine((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "not a valid URL" });
      return;
    }
    const refusal = url.protocol === "https:" || url.protocol === "http:" ? literalHostRefusal(url, policy) : undefined;
    if (refusal) ctx.addIssue({ code: "custom", message: refusal });
    // Plain http only for local demos: referral payloads must not cross the network unencrypted.
    else if (
      url.protocol !== "https:" &&
      !(url.protocol === "http:" && policy.allowLoopback && isLoopbackLiteral(url))
    ) {
      ctx.addIssue({ code: "custom", message: HTTPS_REQUIRED });
    }
    // Credentials in the URL would end up in logs and exports.
    if (url.username !== "" || url.password !== "") {
      ctx.addIssue({ code: "custom", message: "must not contain a username or password" });
    }
  });

export const HTTPS_REQUIRED = "must start with https:// (http:// only for loopback, with WEBHOOK_ALLOW_LOOPBACK)";

// Svix-style secret: whsec_ + non-empty, correctly padded base64.
const WEBHOOK_SECRET = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;

const age = (fallback: number) =>
  cell
    .transform((v) => (v === "" ? String(fallback) : v))
    .pipe(
      z
        .string()
        .refine((v) => /^\d{1,2}$/.test(v) && Number(v) <= AGE_LIMIT, {
          error: (iss) => `"${String(iss.input)}" is not a whole number from 0 to ${AGE_LIMIT}`,
        })
        .transform(Number),
    );

/** Case-insensitive lookup that returns the canonical spelling. */
const canonical = <T extends string>(allowed: readonly T[], v: string): T | undefined =>
  allowed.find((a) => a.toLowerCase() === v.toLowerCase());

const enumCell = <T extends string>(allowed: readonly T[]) =>
  z
    .string()
    .refine((v) => canonical(allowed, v) !== undefined, {
      error: (iss) => `"${String(iss.input)}" ${oneOf(allowed)}`,
    })
    .transform((v) => canonical(allowed, v) as T);

// "2025-03-14" or "14/03/2025" (how spreadsheets write dates in England).
const dateCell = z.string().transform((v, ctx) => {
  const d = ofstedDateOf(v);
  if (d) return d;
  ctx.addIssue({ code: "custom", message: `"${v}" is not a date (YYYY-MM-DD or DD/MM/YYYY)` });
  return z.NEVER;
});

const rawRowSchemaFor = (policy: AddressPolicy) =>
  z
    .object({
      name: cell.pipe(z.string().min(1, "is required").max(200, "must be at most 200 characters")),
      lots: listCell(
        z
          .string()
          .regex(/^[1-9]\d*$/, { error: (iss) => `"${String(iss.input)}" is not a positive whole number` })
          .transform(Number),
      )
        .refine((xs) => xs.length > 0, "at least one lot is required")
        .transform((xs) => dedupe(xs).sort((a, b) => a - b)),
      email: optionalCell(z.email("not a valid email address").transform((v) => v.toLowerCase())),
      webhook_url: optionalCell(webhookUrl(policy)),
      webhook_secret: optionalCell(z.string().regex(WEBHOOK_SECRET, "must be whsec_ followed by base64")),
      ofsted_urn: optionalCell(
        z
          .string()
          .transform((v) => v.toUpperCase())
          .pipe(z.string().regex(/^(SC|EY)?\d{6,7}$/, "must be 6-7 digits, optionally prefixed SC or EY")),
      ),
      ofsted_grade: optionalCell(enumCell(OFSTED_GRADES)),
      genders: listCell(enumCell(PROVIDER_GENDERS)).transform(dedupe),
      age_min: age(0),
      age_max: age(AGE_LIMIT),
      needs: listCell(enumCell(NEED_CODES)).transform(dedupe),
      areas: listCell(z.string().transform((v) => v.toUpperCase())).transform(dedupe),
      status: cell.transform((v) => (v === "" ? "active" : v)).pipe(enumCell(PROVIDER_STATUSES)),
      status_reason: optionalCell(z.string().max(500, "must be at most 500 characters")),
      tier: cell
        .transform((v) => (v === "" ? "1" : v))
        .pipe(z.string().regex(/^[1-9]$/, { error: (iss) => `"${String(iss.input)}" is not a tier from 1 to 9` }))
        .transform(Number),
      ofsted_inspected: optionalCell(dateCell),
      vacancies: optionalCell(
        z.string().transform((v, ctx) => {
          const parsed = parseVacancyCell(v);
          if (parsed.ok) return parsed.vacancies;
          ctx.addIssue({ code: "custom", message: parsed.error });
          return z.NEVER;
        }),
      ),
      vacancies_confirmed: optionalCell(dateCell),
    })
    // Runs even when single cells failed, so every check guards its own inputs.
    .superRefine((row, ctx) => {
      if (row.email === undefined && row.webhook_url === undefined) {
        ctx.addIssue({ code: "custom", path: ["email"], message: "either email or webhook_url is required" });
      }
      if (row.webhook_url !== undefined && row.webhook_secret === undefined) {
        ctx.addIssue({ code: "custom", path: ["webhook_secret"], message: "required when webhook_url is set" });
      }
      // A secret with no URL usually means the cells were shifted by one column.
      if (row.webhook_url === undefined && row.webhook_secret !== undefined) {
        ctx.addIssue({ code: "custom", path: ["webhook_secret"], message: "set but webhook_url is blank" });
      }
      if (typeof row.age_min === "number" && typeof row.age_max === "number" && row.age_min > row.age_max) {
        ctx.addIssue({
          code: "custom",
          path: ["age_min"],
          message: `${row.age_min} is greater than age_max ${row.age_max}`,
        });
      }
    });

const providerCsvRowSchemaFor = (policy: AddressPolicy) =>
  rawRowSchemaFor(policy).transform((r) => ({
    name: r.name,
    lotNumbers: r.lots,
    email: r.email,
    webhookUrl: r.webhook_url,
    webhookSecret: r.webhook_secret,
    ofstedUrn: r.ofsted_urn,
    ofstedGrade: r.ofsted_grade,
    genders: r.genders,
    ageMin: r.age_min,
    ageMax: r.age_max,
    needsCovered: r.needs,
    areas: r.areas,
    status: r.status,
    statusReason: r.status_reason,
    tier: r.tier,
    ofstedInspectedAt: r.ofsted_inspected,
    vacancies: r.vacancies,
    vacanciesConfirmedAt: r.vacancies_confirmed,
  }));

// One schema per policy, built once: production refuses loopback, the demo and tests may allow it.
const SCHEMAS = {
  strict: providerCsvRowSchemaFor({ allowLoopback: false }),
  loopback: providerCsvRowSchemaFor({ allowLoopback: true }),
};

export type ProviderCsvRow = z.output<typeof SCHEMAS.strict>;

export type ParseProviderRowResult = { ok: true; row: ProviderCsvRow } | { ok: false; errors: string[] };

/** Validate one CSV record; errors read like "email: not a valid email address". */
export function parseProviderRow(
  record: Record<string, string>,
  policy: AddressPolicy = { allowLoopback: false },
): ParseProviderRowResult {
  const result = (policy.allowLoopback ? SCHEMAS.loopback : SCHEMAS.strict).safeParse(record);
  if (result.success) return { ok: true, row: result.data };
  const errors = result.error.issues.map((issue) => {
    const column = issue.path[0];
    return typeof column === "string" ? `${column}: ${issue.message}` : issue.message;
  });
  return { ok: false, errors: dedupe(errors) };
}
