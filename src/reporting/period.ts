// The report period: two calendar dates in Europe/London, both inclusive. Shared by the CLI and the HTTP route.
import { z } from "zod";
import { fieldErrorsOf } from "../domain/referral-input.js";
import { ValidationError } from "../errors.js";

export const REPORT_TIME_ZONE = "Europe/London";

export interface ReportPeriod {
  /** YYYY-MM-DD, the first day (Europe/London) whose referrals count. */
  from: string;
  /** YYYY-MM-DD, the last day (Europe/London) whose referrals count. */
  to: string;
}

// pds: one row per referral in the Placements Data Standard's columns (pds-export.ts).
export const REPORT_FORMATS = ["json", "csv", "pds"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const day = z.iso.date({
  error: (issue) => (issue.input === undefined ? "is required" : "must be a real date written YYYY-MM-DD"),
});

const dates = z.object({ from: day, to: day });

export const reportQuerySchema = z
  .object({
    from: day,
    to: day,
    format: z.enum(REPORT_FORMATS, { error: "must be json, csv or pds" }).default("json"),
  })
  // ISO dates compare correctly as strings. Checked whenever both dates are valid, even if format is not.
  .refine((q) => q.from <= q.to, {
    path: ["to"],
    error: "must be on or after from",
    when: (payload) => dates.safeParse(payload.value).success,
  });

export type ReportQuery = z.output<typeof reportQuerySchema>;

/** Validates raw input (query string or CLI flags); a ValidationError names each bad field. */
export function parseReportQuery(input: Record<string, unknown>): ReportQuery {
  const parsed = reportQuerySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = fieldErrorsOf(parsed.error);
  const summary = Object.entries(fields)
    .map(([field, errors]) => `${field}: ${errors.join(", ")}`)
    .join("; ");
  throw new ValidationError(`Invalid report request: ${summary}`, fields);
}
