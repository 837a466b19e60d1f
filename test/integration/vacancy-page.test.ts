// Vacancies from providers against real PostgreSQL: the page every provider email links to (CSRF, safe headers,
// field errors) and the JSON API with the provider's vacancy token; tokens that are forged, expired or for a
// removed provider are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_COOKIE, csrfTokenFor } from "../../src/http/response-security.js";
import { vacancyRouter } from "../../src/http/vacancy-routes.js";
import { vacancyTokenFor } from "../../src/responses/vacancy-token.js";
import { capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider } from "../helpers/referrals.js";
import { type Served, serveRouter } from "../helpers/response-links.js";

const db = testDb();
const SECRET = testConfig().RESPONSE_TOKEN_SECRET;
const clock = fixedClock("2026-11-30T09:00:00Z");
const { logger, lines } = capturingLogger();
let lot: { id: number; number: number };
let served: Served;

beforeAll(async () => {
  lot = await freshLot(db);
  served = await serveRouter(vacancyRouter({ db, clock, tokenSecret: SECRET, logger }), logger);
});
afterAll(async () => {
  await served?.close();
});

async function providerWithToken(over: Record<string, unknown> = {}) {
  const p = await makeProvider(db, lot.id, over);
  const token = vacancyTokenFor(SECRET, p.id, clock.now());
  return { p, token, page: `${served.url}/p/vacancies?token=${encodeURIComponent(token)}` };
}

const api = (token: string, method = "GET", body?: unknown) =>
  fetch(`${served.url}/api/v1/provider/vacancies`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe("vacancy API", () => {
  it("replaces the provider's vacancies and reads them back, confirmed now, audited", async () => {
    const { p, token } = await providerWithToken();
    const put = await api(token, "PUT", {
      vacancies: [
        { lot: lot.number, count: 2, ageMin: 5, ageMax: 17, areas: ["pe", "CB1"], placementType: "foster" },
        { lot: lot.number, count: 0 },
      ],
    });
    expect(put.status).toBe(200);
    const got = (await (await api(token)).json()) as { vacancies: unknown[] };
    expect(got.vacancies).toEqual([
      {
        lot: lot.number,
        placementType: null,
        ageMin: 0,
        ageMax: 25,
        areas: [],
        count: 0,
        lastConfirmedAt: "2026-11-30T09:00:00.000Z",
      },
      {
        lot: lot.number,
        placementType: "foster",
        ageMin: 5,
        ageMax: 17,
        areas: ["PE", "CB1"],
        count: 2,
        lastConfirmedAt: "2026-11-30T09:00:00.000Z",
      },
    ]);
    const audit = await db.auditEvent.findMany({ where: { action: "provider.vacancies_declared" } });
    expect(audit.some((a) => (a.detail as { providerId?: string }).providerId === p.id)).toBe(true);
    // Declaring again replaces the list.
    expect((await api(token, "PUT", { vacancies: [] })).status).toBe(200);
    expect(await db.vacancy.count({ where: { providerId: p.id } })).toBe(0);
  });

  it("refuses invalid declarations with every problem, and lots the provider is not on", async () => {
    const { token } = await providerWithToken();
    const bad = await api(token, "PUT", {
      vacancies: [{ lot: lot.number, count: -1, ageMin: 9, ageMax: 3, extra: 1 }],
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toContain("vacancies.0.count");
    const off = await api(token, "PUT", { vacancies: [{ lot: lot.number + 1, count: 1 }] });
    expect(off.status).toBe(400);
  });

  it("refuses forged, expired and removed providers' tokens, and logs the failure", async () => {
    const { p, token } = await providerWithToken();
    const forged = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    expect((await api(forged)).status).toBe(401);
    expect((await api("")).status).toBe(401);
    const expired = vacancyTokenFor(SECRET, p.id, new Date("2026-01-01T00:00:00Z"), 30);
    expect((await api(expired)).status).toBe(401);
    const other = vacancyTokenFor("another-secret-of-at-least-32-characters!!", p.id, clock.now());
    expect((await api(other)).status).toBe(401);
    const removed = await providerWithToken({ status: "removed" });
    expect((await api(removed.token)).status).toBe(401);
    expect(lines.some((l) => l.includes("authentication failed") && l.includes("vacancies"))).toBe(true);
  });
});

describe("vacancy page", () => {
  it("shows the form with safe headers, saves a CSRF-checked post and shows field errors", async () => {
    const { p, token, page } = await providerWithToken();
    const res = await fetch(page);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'; style-src 'nonce-/);
    const html = await res.text();
    expect(html).toContain(`Vacancies: ${p.name}`);
    const csrf = csrfTokenFor(SECRET, token);
    expect(html).toContain(`name="csrf" value="${csrf}"`);

    const form = (fields: Record<string, string>, cookie?: string) =>
      fetch(page, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(cookie ? { cookie: `${CSRF_COOKIE}=${cookie}` } : {}),
        },
        body: new URLSearchParams(fields).toString(),
      });
    const fields = {
      csrf,
      rows: "2",
      lot_0: String(lot.number),
      count_0: "1",
      areas_0: "PE, CB",
      lot_1: "",
      count_1: "",
    };
    // Without the cookie (a cross-site post): refused, nothing stored.
    expect((await form(fields)).status).toBe(401);
    expect(await db.vacancy.count({ where: { providerId: p.id } })).toBe(0);

    const saved = await form(fields, csrf);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("your vacancies are saved");
    const stored = await db.vacancy.findMany({ where: { providerId: p.id } });
    expect(stored.map((v) => [v.count, v.areas])).toEqual([[1, ["PE", "CB"]]]);

    const wrong = await form({ ...fields, count_0: "lots", age_min_0: "12", age_max_0: "4" }, csrf);
    expect(wrong.status).toBe(400);
    const errors = await wrong.text();
    expect(errors).toContain("There is a problem");
    expect(errors).toContain("Vacancy 1: count");
    // The earlier declaration stands.
    expect(await db.vacancy.count({ where: { providerId: p.id } })).toBe(1);
  });

  it("answers a bad link with a page that names nobody", async () => {
    const res = await fetch(`${served.url}/p/vacancies?token=not-a-token`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("This vacancy link does not work");
  });
});
