// Case systems authenticate with an API key (stored hashed, with scopes and expiry, managed by the CLI) or an
// Entra ID client-credentials token (checked against the tenant's keys from a local JWKS server), beside the
// ART_API_TOKENS tokens. Scopes apply per route to all three; an expired or revoked key, and a token from another
// tenant or for another audience, are refused and logged without the credential.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey } from "../../src/http/api-keys.js";
import type { Service } from "../../src/main.js";
import { capturingLogger, testConfig, testDb } from "../helpers/env.js";
import { FakeIdentity } from "../helpers/identity.js";
import { startTestService } from "../helpers/service.js";

const exec = promisify(execFile);
const TENANT = "0b5c1c2e-8a41-4d7e-9f63-1a2b3c4d5e6f";
const OTHER_TENANT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const AUDIENCE = "api://referral-bot-tests";
const STATIC = "static-reports-token-0123456789abcdefghij";
const identity = new FakeIdentity();
const db = testDb();
const log = capturingLogger();
let service: Service;

beforeAll(async () => {
  await identity.start();
  const config = testConfig({
    ART_API_TOKENS: `reports:${STATIC}:reports:read`,
    API_ENTRA_TENANT_ID: TENANT,
    API_ENTRA_AUDIENCE: AUDIENCE,
    API_ENTRA_JWKS_URL: `${identity.url}/${TENANT}/discovery/v2.0/keys`,
    API_ENTRA_ISSUER: `${identity.url}/${TENANT}/v2.0`,
  });
  service = await startTestService({ config, logger: log.logger, role: "web" });
});
afterAll(async () => {
  await service.close();
  await identity.stop();
});

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["src/bin/referral-bot.mjs", ...args], {
      env: { ...process.env, DATABASE_URL: inject("databaseUrl"), REDIS_URL: inject("redisUrl") },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const report = (credential: string) =>
  fetch(`${service.url}/api/v1/reports/placements?from=2026-01-01&to=2026-01-31`, {
    headers: { authorization: `Bearer ${credential}` },
  }).then((r) => r.status);
const lastRefusal = () =>
  log.lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === "authentication failed")
    .at(-1);

describe("API keys", () => {
  it("are created by the CLI (printed once, stored as a digest), work within their scopes, and stop when revoked", async () => {
    const created = await cli("apikeys", "create", "--name", "lcs", "--scopes", "reports:read", "--days", "30");
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^rbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const id = key.split("_")[1]!;
    const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(key.slice(17));
    expect(row.scopes).toEqual(["reports:read"]);

    expect(await report(key)).toBe(200);
    // Its scopes only: no approving offers.
    const approve = await fetch(`${service.url}/api/v1/offers/00000000-0000-4000-8000-000000000000/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(approve.status).toBe(403);

    const listed = await cli("apikeys", "list");
    expect(listed.stdout).toMatch(new RegExp(`^${id}  lcs  reports:read  active, expires `, "m"));
    expect(listed.stdout).not.toContain(key);

    expect((await cli("apikeys", "revoke", "--id", id)).code).toBe(0);
    expect(await report(key)).toBe(401);
    expect(lastRefusal()).toMatchObject({ reason: "revoked_key", tokenName: `key:${id}` });
    expect(JSON.stringify(log.lines)).not.toContain(key.slice(17));
  }, 120_000); // three CLI processes

  it("refuses an expired key, a forged secret for a real id, and a bad scope at creation", async () => {
    const now = new Date();
    const { key, info } = await createApiKey(db, {
      name: "expiring",
      scopes: ["reports:read"],
      expiresAt: new Date(now.getTime() + 60_000),
      actor: "test",
      now,
    });
    expect(await report(key)).toBe(200);
    await db.apiKey.update({ where: { id: info.id }, data: { expiresAt: new Date(now.getTime() - 1000) } });
    expect(await report(key)).toBe(401);
    expect(lastRefusal()).toMatchObject({ reason: "expired_key" });
    const forged = `rbk_${info.id}_${"A".repeat(43)}`;
    expect(await report(forged)).toBe(401);
    expect(lastRefusal()).toMatchObject({ reason: "unknown_key" });
    const bad = await cli("apikeys", "create", "--name", "x", "--scopes", "everything");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--scopes: give one or more of");
  }, 60_000);
});

describe("Entra ID client credentials", () => {
  it("accepts the tenant's token for this API, its roles being its scopes", async () => {
    expect(
      await report(await identity.entraToken({ audience: AUDIENCE, tenant: TENANT, roles: ["reports:read"] })),
    ).toBe(200);
    const noRole = await identity.entraToken({ audience: AUDIENCE, tenant: TENANT, roles: ["referrals:read"] });
    expect(await report(noRole)).toBe(403);
    expect(lastRefusal()).toMatchObject({ reason: "missing_scope", scope: "reports:read" });
  });

  it("refuses a token for another audience, from another tenant, or expired", async () => {
    const roles = ["reports:read"];
    const cases: [Promise<string>, string][] = [
      [identity.entraToken({ audience: "api://someone-else", tenant: TENANT, roles }), "wrong_audience"],
      // Issued by another tenant's issuer, or naming another tenant in tid under ours.
      [identity.entraToken({ audience: AUDIENCE, tenant: OTHER_TENANT, roles }), "wrong_issuer"],
      [identity.entraToken({ audience: AUDIENCE, tenant: TENANT, tid: OTHER_TENANT, roles }), "wrong_tenant"],
      [identity.entraToken({ audience: AUDIENCE, tenant: TENANT, roles, expired: true }), "expired_jwt"],
    ];
    for (const [token, reason] of cases) {
      expect(await report(await token)).toBe(401);
      expect(lastRefusal()).toMatchObject({ reason });
    }
  });

  it("keeps ART_API_TOKENS working beside them", async () => {
    expect(await report(STATIC)).toBe(200);
  });
});
