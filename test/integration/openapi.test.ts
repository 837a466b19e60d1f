// The OpenAPI document is generated from the route registry: every route the running app serves under /api/v1 (and
// a provider's /r/:token) is in it, nothing in it is missing from the app, each names its scope, and every example
// in it validates against the zod schema it was generated from (the one the code parses with).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { londonDate } from "../../src/digest/london.js";
import { apiRoutes } from "../../src/http/api-spec.js";
import type { Service } from "../../src/main.js";
import { testConfig } from "../helpers/env.js";
import { startTestService } from "../helpers/service.js";

let service: Service;
beforeAll(async () => {
  service = await startTestService({
    config: testConfig({ PUBLIC_BASE_URL: "https://referrals.example.gov.uk" }),
    logger: (await import("../helpers/env.js")).capturingLogger().logger,
    role: "web",
  });
});
afterAll(() => service.close());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  name: string;
  rawPath?: string;
  handle: { stack?: Layer[] };
}

/** Every "METHOD /path" the Express app serves, nested routers included (Express 5 / router 2 layers). */
function routesOf(stack: Layer[], prefix = ""): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== "_all") out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
    } else if (layer.handle.stack) {
      const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document of every public API route the app serves, and nothing else", async () => {
    const res = await fetch(`${service.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { "x-scope"?: string }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    const app = service.app as unknown as { router: { stack: Layer[] } };
    const served = [...new Set(routesOf(app.router.stack))].filter((r) => / \/(api\/v1|r)\//.test(r));
    // Teams' Bot Framework endpoint (/api/messages) is not part of this API; nothing else under /api is left out.
    expect(served.length).toBeGreaterThanOrEqual(7);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const op of Object.values(ops)) if (path.startsWith("/api/v1/referrals")) expect(op["x-scope"]).toBeTruthy();
  });

  it("has request and response schemas generated from zod, and every example validates against its schema", async () => {
    const doc = (await (await fetch(`${service.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
      >;
    };
    const intake = doc.paths["/api/v1/referrals"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(intake.properties ?? {})).toEqual(
      expect.arrayContaining(["profile", "restricted", "raisedBy", "duplicateReason", "siblingOf"]),
    );
    let checked = 0;
    for (const route of apiRoutes(londonDate(new Date()))) {
      if (route.body && route.bodyExample !== undefined) {
        const parsed = route.body.safeParse(route.bodyExample);
        expect(parsed.error?.issues, `${route.method} ${route.path} request example`).toBeUndefined();
        checked++;
      }
      for (const [status, r] of Object.entries(route.responses)) {
        if (!r.schema || r.example === undefined) continue;
        const parsed = r.schema.safeParse(r.example);
        expect(parsed.error?.issues, `${route.method} ${route.path} ${status} example`).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
