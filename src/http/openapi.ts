// GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the route registry (api-spec.ts) and the
// zod schemas the code parses with (z.toJSONSchema), never written by hand. Built for "today" (London), since
// the schemas' date rules and the examples depend on it.
import { Router } from "express";
import { z } from "zod";
import { londonDate } from "../digest/london.js";
import type { Clock } from "../ports.js";
import { type ApiRouteSpec, apiRoutes } from "./api-spec.js";
import { API_SCOPES } from "./api-tokens.js";

/** JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of a zod schema as a request (input) or answer (output). */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
    // Dates arrive and leave as ISO calendar dates: say so instead of "any".
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date" });
    },
  }) as Record<string, unknown>;
  return rest;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

function operation(route: ApiRouteSpec) {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const headers = (route.headers ?? [])
    .filter((h) => h.name !== "Authorization")
    .map((h) => ({
      name: h.name,
      in: "header",
      required: h.required,
      description: h.description,
      schema: { type: "string" },
    }));
  const query = route.query ? jsonSchemaOf(route.query, "input") : undefined;
  const queryParams = Object.entries((query?.properties as Record<string, unknown> | undefined) ?? {}).map(
    ([name, schema]) => ({
      name,
      in: "query",
      required: ((query?.required as string[] | undefined) ?? []).includes(name),
      schema,
    }),
  );
  const security =
    route.auth === null || route.auth === "response-link" || route.auth === "vacancy-token"
      ? []
      : [{ bearer: [route.auth] }, { apiKey: [route.auth] }, { entra: [route.auth] }];
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.auth ? { "x-scope": route.auth } : {}),
    security,
    parameters: [...params, ...headers, ...queryParams],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              [route.bodyMediaType ?? "application/json"]: {
                schema: jsonSchemaOf(route.body, "input"),
                ...(route.bodyExample !== undefined ? { example: route.bodyExample } : {}),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, r]) => [
        status,
        {
          description: r.description,
          ...(r.schema
            ? {
                content: {
                  [r.mediaType ?? "application/json"]: {
                    schema: jsonSchemaOf(r.schema, "output"),
                    ...(r.example !== undefined ? { example: r.example } : {}),
                  },
                },
              }
            : {}),
        },
      ]),
    ),
  };
}

export function openApiDocument(opts: { today: string; baseUrl: string; entraTenantId?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes(opts.today)) {
    const p = openApiPath(route.path);
    paths[p] = { ...paths[p], [route.method]: operation(route) };
  }
  const scopes = Object.fromEntries(API_SCOPES.map((s) => [s, `The ${s} scope`]));
  const tenant = opts.entraTenantId ?? "{tenant}";
  return {
    openapi: "3.1.0",
    info: {
      title: "referral-bot API",
      version: "1",
      description:
        "Placement referrals for case systems, ART's integrations and providers. Each route needs one scope. Credentials, tried in this order: an ART_API_TOKENS token, an API key (rbk_..., `referral-bot apikeys create`), an Entra ID access token (client credentials; its app roles are its scopes).",
    },
    servers: [{ url: opts.baseUrl }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token from ART_API_TOKENS" },
        apiKey: { type: "http", scheme: "bearer", description: "An API key rbk_<id>_<secret> (stored hashed)" },
        entra: {
          type: "oauth2",
          description: "Entra ID client credentials: request a token for the API's application id URI (/.default)",
          flows: {
            clientCredentials: {
              tokenUrl: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
              scopes,
            },
          },
        },
      },
    },
  };
}

export function openApiRouter(deps: { clock: Clock; baseUrl: string; entraTenantId?: string }): Router {
  const router = Router();
  router.get("/openapi.json", (_req, res) => {
    res.set("Cache-Control", "no-cache");
    res.json(
      openApiDocument({
        today: londonDate(deps.clock.now()),
        baseUrl: deps.baseUrl,
        ...(deps.entraTenantId ? { entraTenantId: deps.entraTenantId } : {}),
      }),
    );
  });
  return router;
}
