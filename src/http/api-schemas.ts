// The shapes of the public API's answers that have no schema of their own in the core (approvals, withdrawals,
// reports, errors), and the intake body: what api-spec.ts declares per route and openapi.ts turns into JSON Schema.
import { z } from "zod";
import { newReferralSchemaAt } from "../domain/referral-input.js";
import { intakeExtrasSchema } from "../referrals/intake.js";
import type { ApiResponseSpec } from "./api-spec.js";

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    existingReference: z.string().optional(),
    matchedOn: z.array(z.enum(["case_id", "name_and_date_of_birth"])).optional(),
  }),
});
export const error = (description: string, code: string, message: string): ApiResponseSpec => ({
  description,
  schema: errorSchema,
  example: { error: { code, message } },
});
export const unauthorized = error("No valid credential", "unauthorized", "A valid API bearer token is required");
export const forbidden = error(
  "The credential lacks the route's scope",
  "forbidden",
  "This token does not have the scope",
);
export const notFound = error("No such referral", "not_found", "referral not found");

/** The intake body: the one referral schema plus what the API adds (see src/referrals/intake.ts). */
export const intakeBodySchema = (today: string) =>
  z.object({ ...newReferralSchemaAt(today).in.shape, ...intakeExtrasSchema.shape });

export const approvalSchema = z.object({
  status: z.enum(["placed", "awaiting_second_approval"]),
  decisionId: z.uuid(),
  referralId: z.uuid(),
});
export const withdrawnSchema = z.object({
  referralId: z.uuid(),
  reference: z.string(),
  status: z.literal("withdrawn"),
  reason: z.string(),
  reasonText: z.string(),
});
const figures = z.looseObject({ referrals: z.number().int() });
export const reportSchema = z.object({
  period: z.object({ from: z.iso.date(), to: z.iso.date(), timeZone: z.string() }),
  asOf: z.iso.datetime(),
  overall: figures,
  byLot: z.array(figures),
  providers: z.array(z.looseObject({ name: z.string() })),
});
export const exportSchema = z.looseObject({ reference: z.string(), restricted: z.unknown() });
export const providerAnswerSchema = z.object({
  id: z.uuid(),
  type: z.string(),
  status: z.enum(["received", "withdrawn"]),
});
