// The public API's route registry: each route's method, path, scope, request and response schemas (the zod
// schemas the code itself parses with) and examples; the provider-facing routes are in api-spec-provider.ts. The OpenAPI document (openapi.ts) is generated from it, and a
// test checks that every route the app serves under /api/v1 (and /r/:token) is here and every example validates.
// Examples that hold dates are built for "today", since the schemas refuse a required-by date in the past.
import { z } from "zod";
import { wholeYearsBetween } from "../domain/dates.js";
import { DOCUMENT_KINDS, STANDARD_LOTS } from "../domain/vocabulary.js";
import { withdrawalSchema } from "../lifecycle/withdrawal.js";
import { intakeResultSchema } from "../referrals/intake.js";
import { placementDetailsSchema } from "../referrals/placement-record.js";
import { referralViewSchema } from "../referrals/referral-view.js";
import { reportQuerySchema } from "../reporting/period.js";
import {
  approvalSchema,
  error,
  errorSchema,
  exportSchema,
  forbidden,
  intakeBodySchema,
  notFound,
  reportSchema,
  unauthorized,
  withdrawnSchema,
} from "./api-schemas.js";
import { providerRoutes } from "./api-spec-provider.js";
import type { ApiScope } from "./api-tokens.js";

export interface ApiResponseSpec {
  description: string;
  schema?: z.ZodType;
  example?: unknown;
  /** Not JSON (e.g. a CSV report): the media type. */
  mediaType?: string;
}

export interface ApiRouteSpec {
  method: "get" | "post" | "put";
  /** Express style, e.g. /api/v1/referrals/:reference. */
  path: string;
  /**
   * The scope requireScope checks; "response-link" for a provider's token in the path; "vacancy-token" for a
   * provider's vacancy token as the bearer (src/responses/vacancy-token.ts); null for none.
   */
  auth: ApiScope | "response-link" | "vacancy-token" | null;
  summary: string;
  description?: string;
  tag: string;
  headers?: { name: string; required: boolean; description: string }[];
  query?: z.ZodType;
  body?: z.ZodType;
  /** Not JSON (e.g. a document's bytes): the request's media type. */
  bodyMediaType?: string;
  bodyExample?: unknown;
  responses: Record<number, ApiResponseSpec>;
}

const REF = "R-2026-0042";
const UUID = "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b";
const UUID2 = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";

export function apiRoutes(today: string): ApiRouteSpec[] {
  const requiredBy = dayAfter(today, 20);
  const intakeExample = {
    profile: {
      lotNumber: 2,
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: true,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy,
      summary: "Needs a stable, small home with experienced staff and a school place nearby.",
    },
    restricted: {
      childName: "Jo Example",
      dateOfBirth: `${Number(today.slice(0, 4)) - 15}-01-15`,
      caseSystemId: "LCS-001234",
    },
    raisedBy: { email: "sam.worker@council.example.gov.uk" },
  };
  // The example child's age must agree with the date of birth, whatever today is.
  intakeExample.profile.ageYears = wholeYearsBetween(intakeExample.restricted.dateOfBirth, today);
  const intakeResult = {
    id: UUID,
    reference: REF,
    status: "open",
    duplicateOf: null,
    siblingGroup: null,
    links: {
      self: `https://referrals.example.gov.uk/api/v1/referrals/${REF}`,
      threads: [{ platform: "teams", channelId: "19:referrals@thread.tacv2" }],
    },
  };
  const view = {
    id: UUID,
    reference: REF,
    status: "offers_received",
    lot: { number: 2, name: STANDARD_LOTS.find((l) => l.number === 2)?.name ?? "Lot 2" },
    profile: { ...intakeExample.profile, summary: intakeExample.profile.summary },
    raisedBy: "sam.worker@council.example.gov.uk",
    createdAt: `${today}T09:30:00.000Z`,
    duplicateOf: null,
    siblingGroup: null,
    rounds: [
      {
        number: 1,
        openedAt: `${today}T09:30:00.000Z`,
        closesAt: `${today}T17:30:00.000Z`,
        closedAt: null,
        deliveries: 12,
      },
    ],
    offers: [
      {
        id: UUID2,
        provider: { id: UUID, name: "Oak House" },
        weeklyCostGbp: 4850,
        startDate: requiredBy,
        needsMet: "Experienced SEMH staff; school place agreed.",
        state: "live",
        receivedAt: `${today}T11:02:00.000Z`,
      },
    ],
    declines: [{ provider: { id: UUID2, name: "Elm Lodge" }, reason: "no_vacancy" }],
    decisions: [],
    threads: [{ platform: "teams", channelId: "19:referrals@thread.tacv2", threadId: "1700000000000" }],
  };
  const bearer = [{ name: "Authorization", required: true, description: "Bearer <token, API key or Entra token>" }];
  return [
    {
      method: "post",
      path: "/api/v1/referrals",
      auth: "referrals:write",
      tag: "Referrals",
      summary: "Raise a referral from a case system",
      description:
        "The same schema as the chat forms. Posts the card in the referrals channel(s) and starts round 1. A repeat with the same Idempotency-Key and body answers the same referral (Idempotent-Replayed: true); the same key with another body is 422. A child with a live referral (matched on keyed hashes of the case id, or name and date of birth) is 409 with existingReference, unless duplicateReason is given. siblingOf links a sibling's referral.",
      headers: [
        ...bearer,
        { name: "Idempotency-Key", required: true, description: "8-200 characters, one per new referral (a UUID)" },
      ],
      body: intakeBodySchema(today),
      bodyExample: intakeExample,
      responses: {
        201: {
          description: "Raised (or the replay of an earlier identical request)",
          schema: intakeResultSchema,
          example: intakeResult,
        },
        400: error("Invalid referral, or no Idempotency-Key", "validation_failed", "The referral has errors"),
        401: unauthorized,
        403: forbidden,
        409: {
          description: "The child has a live referral: give duplicateReason to raise another",
          schema: errorSchema,
          example: {
            error: {
              code: "duplicate_referral",
              message: "This child may already have a live referral, R-2026-0041.",
              existingReference: "R-2026-0041",
              matchedOn: ["case_id"],
            },
          },
        },
        422: error("The Idempotency-Key was used with another body", "idempotency_key_reused", "Use a new key"),
      },
    },
    {
      method: "get",
      path: "/api/v1/referrals/:reference",
      auth: "referrals:read",
      tag: "Referrals",
      summary: "A referral's status, rounds, offers and decisions",
      description:
        "?include=restricted adds the child's details: it needs the referrals:restricted:read scope too, and every such view is audited.",
      headers: bearer,
      query: z.object({ include: z.enum(["restricted"]).optional() }),
      responses: {
        200: { description: "The referral", schema: referralViewSchema, example: view },
        401: unauthorized,
        403: forbidden,
        404: notFound,
      },
    },
    {
      method: "post",
      path: "/api/v1/referrals/:referralId/withdraw",
      auth: "referrals:write",
      tag: "Referrals",
      summary: "Withdraw a referral",
      headers: bearer,
      body: withdrawalSchema,
      bodyExample: { reason: "placed_in_house" },
      responses: {
        200: {
          description: "Withdrawn; providers are told it has closed",
          schema: withdrawnSchema,
          example: {
            referralId: UUID,
            reference: REF,
            status: "withdrawn",
            reason: "placed_in_house",
            reasonText: "Placed in-house",
          },
        },
        401: unauthorized,
        403: forbidden,
        404: notFound,
        409: error("Already closed", "illegal_transition", "Cannot withdraw a referral that is placed"),
      },
    },
    {
      method: "get",
      path: "/api/v1/referrals/:reference/export",
      auth: "data:export",
      tag: "Data protection",
      summary: "Everything held about one referral (subject access), restricted details decrypted, audited",
      headers: bearer,
      responses: {
        200: { description: "The export", schema: exportSchema, example: { reference: REF, restricted: null } },
        401: unauthorized,
        403: forbidden,
        404: notFound,
      },
    },
    {
      method: "post",
      path: "/api/v1/offers/:responseId/approve",
      auth: "decisions:write",
      tag: "Decisions",
      summary: "Approve an offer (ART); above the threshold it waits for a senior second approval",
      headers: bearer,
      responses: {
        200: {
          description: "Placed, or waiting for a second approval",
          schema: approvalSchema,
          example: { status: "placed", decisionId: UUID2, referralId: UUID },
        },
        401: unauthorized,
        403: forbidden,
        404: error("No such offer", "not_found", "offer not found"),
        409: error("Already decided, or no longer live", "offer_already_decided", "The offer was already decided"),
      },
    },
    {
      method: "get",
      path: "/api/v1/reports/placements",
      auth: "reports:read",
      tag: "Reports",
      summary: "Placement report for referrals raised between two dates (Europe/London, inclusive)",
      headers: bearer,
      query: reportQuerySchema,
      responses: {
        200: {
          description: "The report (JSON, or CSV with format=csv)",
          schema: reportSchema,
          example: {
            period: { from: "2026-01-01", to: "2026-01-31", timeZone: "Europe/London" },
            asOf: `${today}T09:00:00.000Z`,
            overall: { referrals: 12 },
            byLot: [{ referrals: 12 }],
            providers: [{ name: "Oak House" }],
          },
        },
        400: error("Bad dates", "validation_failed", "Invalid report request"),
        401: unauthorized,
        403: forbidden,
      },
    },
    {
      method: "put",
      path: "/api/v1/referrals/:referralId/placement",
      auth: "decisions:write",
      tag: "Decisions",
      summary: "Complete or correct the placed referral's Placements Data Standard placement details (audited)",
      headers: bearer,
      body: placementDetailsSchema,
      bodyExample: { location: "PE2", inPreferredLocation: true, educationContinuity: true },
      responses: {
        200: { description: "The placement details as now recorded", schema: z.looseObject({}) },
        400: error("Invalid details", "validation_failed", "The placement details have errors"),
        401: unauthorized,
        403: forbidden,
        404: notFound,
      },
    },
    {
      method: "post",
      path: "/api/v1/referrals/:reference/documents",
      auth: "referrals:write",
      tag: "Documents",
      summary: "Add a document (care plan, risk assessment, EHCP) to a referral: the file's bytes as the body",
      description:
        "Query `kind`: care_plan, risk_assessment, ehcp or other. Content-Type: application/pdf, the Word .docx type, image/png, image/jpeg or text/plain, checked against the file's first bytes. Stored encrypted; a provider gets it only when ART releases it to them.",
      headers: bearer,
      query: z.object({ kind: z.enum(DOCUMENT_KINDS) }),
      body: z.string(),
      bodyMediaType: "application/pdf",
      responses: {
        201: {
          description: "Stored",
          schema: z.object({ id: z.uuid(), reference: z.string() }),
          example: { id: UUID2, reference: REF },
        },
        400: error("Not an allowed or matching file", "validation_failed", "This kind of file cannot be uploaded"),
        401: unauthorized,
        403: forbidden,
        404: notFound,
      },
    },
    ...providerRoutes(today),
    {
      method: "get",
      path: "/api/v1/openapi.json",
      auth: null,
      tag: "Meta",
      summary: "This document",
      responses: { 200: { description: "OpenAPI 3.1", schema: z.looseObject({ openapi: z.string() }) } },
    },
  ];
}

function dayAfter(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
