// API tokens carry scopes: a token only for reports cannot approve a placement (before scopes, any token in
// ART_API_TOKENS could). 401 without a valid token, 403 with a valid token lacking the route's scope; every
// refusal is logged with the route, the reason and the token's name, never the token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { capturingLogger, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries } from "../helpers/referrals.js";
import { postJson, startTestService } from "../helpers/service.js";

const REPORTING = "reporting-token-0123456789abcdefghijklmnop";
const DECIDER = "decisions-token-0123456789abcdefghijklmnop";
const BOTH = "both-scopes-token-0123456789abcdefghijklmno";
const config = testConfig({
  // A token without scopes is a reporting token (reports:read only).
  ART_API_TOKENS: `reporting:${REPORTING},decider:${DECIDER}:decisions:write,both:${BOTH}:reports:read+decisions:write`,
});
const db = testDb();
const log = capturingLogger();
let service: Service;

beforeAll(async () => {
  service = await startTestService({ config, logger: log.logger, role: "web" });
});
afterAll(() => service.close());

async function anOffer() {
  const lot = await freshLot(db);
  const p = await makeProvider(db, lot.id);
  const r = await openReferralWithDeliveries({ db, clock: systemClock, config }, lot.number, [p.id]);
  const o = await offer({ db, clock: systemClock }, r.deliveryIds[0]!, 1500);
  return { referralId: r.id, offerId: o.id };
}
const approve = (offerId: string, token?: string) =>
  postJson(`${service.url}/api/v1/offers/${offerId}/approve`, {}, token);
const report = (token?: string) =>
  fetch(`${service.url}/api/v1/reports/placements?from=2026-01-01&to=2026-01-31`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
const authLogs = () =>
  log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "authentication failed");

describe("API token scopes", () => {
  it("a reporting token cannot approve an offer (403 forbidden) and nothing is placed", async () => {
    const { referralId, offerId } = await anOffer();
    const res = await approve(offerId, REPORTING);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", message: expect.stringContaining("decisions:write") });
    expect((await db.referral.findUniqueOrThrow({ where: { id: referralId } })).status).toBe("offers_received");
    expect(await db.decision.count({ where: { referralId } })).toBe(0);
    expect(authLogs().at(-1)).toMatchObject({
      route: "/api/v1/offers/:responseId/approve",
      reason: "missing_scope",
      tokenName: "reporting",
      scope: "decisions:write",
    });
  });

  it("no token or an unknown token is 401 with a Bearer challenge", async () => {
    const { offerId } = await anOffer();
    for (const token of [undefined, "not-a-known-token-0123456789abcdefghij"]) {
      const res = await fetch(`${service.url}/api/v1/offers/${offerId}/approve`, {
        method: "POST",
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    expect(authLogs().slice(-2)).toEqual([
      expect.objectContaining({ reason: "missing_token", route: "/api/v1/offers/:responseId/approve" }),
      expect.objectContaining({ reason: "unknown_token" }),
    ]);
  });

  it("the decisions token approves; the reporting and two-scope tokens read reports, the decisions token cannot", async () => {
    const { referralId, offerId } = await anOffer();
    expect((await approve(offerId, DECIDER)).status).toBe(200);
    expect((await db.referral.findUniqueOrThrow({ where: { id: referralId } })).status).toBe("placed");
    expect((await db.decision.findFirstOrThrow({ where: { referralId } })).decidedBy).toBe("api:decider");
    expect((await report(REPORTING)).status).toBe(200);
    expect((await report(BOTH)).status).toBe(200);
    const refused = await report(DECIDER);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toMatch(/insufficient_scope/);
    expect((await approve((await anOffer()).offerId, BOTH)).status).toBe(200);
  });

  it("never logs a token, only its name", () => {
    const all = log.lines.join("\n");
    for (const t of [REPORTING, DECIDER, BOTH, "not-a-known-token-0123456789abcdefghij"]) expect(all).not.toContain(t);
    expect(authLogs().length).toBeGreaterThanOrEqual(4);
  });
});
