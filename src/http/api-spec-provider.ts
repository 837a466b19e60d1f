// The public API's provider-facing routes (see api-spec.ts): the response page and its answer, a document shared
// with the provider, and the provider's own vacancy declarations. A provider reaches them with a token of its own
// (the response link in the path, or the vacancy token as the bearer), never with a council's credentials.
import { z } from "zod";
import { vacancyDeclarationSchema } from "../providers/vacancies.js";
import { responseInputSchemaAt } from "../referrals/response-input.js";
import { error, providerAnswerSchema, unauthorized } from "./api-schemas.js";
import type { ApiRouteSpec } from "./api-spec.js";

/** An example answer id (any UUID). */
const ANSWER_ID = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";

export function providerRoutes(today: string): ApiRouteSpec[] {
  return [
    {
      method: "get",
      path: "/r/:token",
      auth: "response-link",
      tag: "Provider responses",
      summary: "The provider's response page: the anonymised profile and the form (HTML)",
      responses: {
        200: { description: "The page", mediaType: "text/html", schema: z.string() },
        404: { description: "Unknown or expired link (an HTML page)", mediaType: "text/html", schema: z.string() },
      },
    },
    {
      method: "post",
      path: "/r/:token",
      auth: "response-link",
      tag: "Provider responses",
      summary: "A provider's answer to a referral: an offer, a decline, a question, or withdrawing its offer",
      description:
        "The token is the provider's response link, sent with the referral. application/json here; the same link's page posts a form. An Idempotency-Key makes a retry safe.",
      headers: [{ name: "Idempotency-Key", required: false, description: "1-200 printable characters" }],
      body: z.union([responseInputSchemaAt(today), z.object({ type: z.literal("withdraw") })]),
      bodyExample: { type: "decline", reason: "no_vacancy" },
      responses: {
        201: {
          description: "Received",
          schema: providerAnswerSchema,
          example: { id: ANSWER_ID, type: "decline", status: "received" },
        },
        200: {
          description: "Already received (a repeat without a key), or the offer withdrawn",
          schema: providerAnswerSchema,
        },
        400: error("Invalid answer", "validation_failed", "The response has errors"),
        404: error("Unknown or expired link", "not_found", "response link not found"),
      },
    },
    {
      method: "get",
      path: "/r/:token/documents/:documentId",
      auth: "response-link",
      tag: "Provider responses",
      summary: "Download a document released to this provider (through its own response link; audited)",
      responses: {
        200: {
          description: "The document, as an attachment",
          mediaType: "application/octet-stream",
          schema: z.string(),
        },
        404: { description: "Not released to this provider, or unknown", mediaType: "text/html", schema: z.string() },
        410: {
          description: "The release expired, or the document was erased",
          mediaType: "text/html",
          schema: z.string(),
        },
      },
    },
    {
      method: "get",
      path: "/api/v1/provider/vacancies",
      auth: "vacancy-token",
      tag: "Vacancies",
      summary: "The calling provider's declared vacancies (bearer: the provider's vacancy token from its emails)",
      responses: {
        200: { description: "The declaration", schema: vacancyDeclarationSchema },
        401: unauthorized,
      },
    },
    {
      method: "put",
      path: "/api/v1/provider/vacancies",
      auth: "vacancy-token",
      tag: "Vacancies",
      summary: "Replace the calling provider's vacancies (each confirmed now); 0 places declares a lot full",
      body: vacancyDeclarationSchema,
      bodyExample: { vacancies: [{ lot: 1, placementType: "foster", ageMin: 5, ageMax: 17, areas: ["PE"], count: 2 }] },
      responses: {
        200: { description: "The declaration as stored", schema: vacancyDeclarationSchema },
        400: error("Invalid declaration", "validation_failed", "The vacancies have errors"),
        401: unauthorized,
      },
    },
  ];
}
