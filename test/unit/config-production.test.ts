// Production-safe defaults: an unset NODE_ENV is production, so the published development key, the development
// token secret and Teams local mode are accepted only when NODE_ENV says development or test; production also
// needs the inbound-mail secret while POST /inbound/email is on, and the SMTP receiver is on only when asked.
import { describe, expect, it } from "vitest";
import { DEV_DATA_KEYS, loadConfig } from "../../src/config.js";
import type { ConfigError } from "../../src/errors.js";

const OWN_KEY = `k1:${Buffer.alloc(32, 9).toString("base64")}`;
const OWN_SECRET = "a-production-response-token-secret-0123456789";
const DEV_KEY_BYTES = DEV_DATA_KEYS.split(":")[1]!;
/** What a production deployment sets at least. */
const production = {
  RESTRICTED_DATA_KEYS: OWN_KEY,
  RESTRICTED_DATA_ACTIVE_KEY: "k1",
  RESPONSE_TOKEN_SECRET: OWN_SECRET,
  DUPLICATE_MATCH_KEY: "a-production-duplicate-match-key-0123456789",
  INBOUND_EMAIL_SECRET: "inbound-mail-secret-0123456789",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems ?? [String(e)];
  }
}

describe("production-safe defaults", () => {
  it("treats an unset NODE_ENV as production: no development key or secret, and says what to do", () => {
    const problems = problemsOf({});
    const key = problems.find((p) => p.startsWith("RESTRICTED_DATA_KEYS:"));
    const secret = problems.find((p) => p.startsWith("RESPONSE_TOKEN_SECRET:"));
    expect(key).toMatch(/only with NODE_ENV=development or test/);
    expect(key).toMatch(/NODE_ENV=development/);
    expect(secret).toMatch(/only with NODE_ENV=development or test/);
    expect(loadConfig(production).NODE_ENV).toBe("production");
  });

  it("accepts the development key and secret when NODE_ENV says development or test", () => {
    expect(loadConfig({ NODE_ENV: "development" }).RESTRICTED_DATA_KEYS.get("dev")?.length).toBe(32);
    expect(problemsOf({ NODE_ENV: "test" })).toEqual([]);
  });

  it("recognises the development key by its bytes, whatever its id", () => {
    const renamed = { ...production, RESTRICTED_DATA_KEYS: `k1:${DEV_KEY_BYTES}` };
    expect(problemsOf(renamed).some((p) => p.startsWith("RESTRICTED_DATA_KEYS:"))).toBe(true);
    const inRing = { ...production, RESTRICTED_DATA_KEYS: `${OWN_KEY},old:${DEV_KEY_BYTES}` };
    expect(problemsOf(inRing).some((p) => p.startsWith("RESTRICTED_DATA_KEYS:"))).toBe(true);
    // An id "dev" with a key of one's own is just a name.
    const ownDev = { ...production, RESTRICTED_DATA_KEYS: `dev:${Buffer.alloc(32, 3).toString("base64")}` };
    expect(problemsOf({ ...ownDev, RESTRICTED_DATA_ACTIVE_KEY: "dev" })).toEqual([]);
  });

  it("refuses Teams local mode unless NODE_ENV says development or test", () => {
    const local = { TEAMS_LOCAL_MODE: "true", TEAMS_REFERRALS_CHANNEL: "19:x@thread.tacv2" };
    expect(problemsOf({ ...production, ...local }).some((p) => p.startsWith("TEAMS_LOCAL_MODE:"))).toBe(true);
    expect(problemsOf({ ...local, NODE_ENV: "development" })).toEqual([]);
  });

  it("requires INBOUND_EMAIL_SECRET in production while POST /inbound/email is on", () => {
    const { INBOUND_EMAIL_SECRET: _, ...noSecret } = production;
    const problems = problemsOf(noSecret);
    expect(problems.some((p) => p.startsWith("INBOUND_EMAIL_SECRET:") && p.includes("INBOUND_EMAIL_HTTP"))).toBe(true);
    expect(problemsOf({ ...noSecret, INBOUND_EMAIL_HTTP: "false" })).toEqual([]);
    expect(loadConfig({ NODE_ENV: "development" }).INBOUND_EMAIL_HTTP).toBe(true);
  });

  it("runs the built-in SMTP receiver only when explicitly enabled, on a port", () => {
    expect(loadConfig(production).INBOUND_SMTP_ENABLED).toBe(false);
    expect(problemsOf({ ...production, INBOUND_SMTP_PORT: "2526" })[0]).toMatch(/^INBOUND_SMTP_ENABLED: /);
    expect(problemsOf({ ...production, INBOUND_SMTP_ENABLED: "true" })[0]).toMatch(/^INBOUND_SMTP_PORT: /);
    const on = loadConfig({ ...production, INBOUND_SMTP_ENABLED: "true", INBOUND_SMTP_PORT: "2526" });
    expect([on.INBOUND_SMTP_ENABLED, on.INBOUND_SMTP_PORT]).toEqual([true, 2526]);
  });

  it("reads the trusted proxy and the rate limits", () => {
    const c = loadConfig(production);
    expect(c.TRUST_PROXY).toBe("loopback");
    expect(c.RATE_LIMIT_WINDOW_MS).toBe(60_000);
    expect(c.RATE_LIMIT_RESPONSE_LINKS).toBeGreaterThan(0);
    expect(loadConfig({ ...production, TRUST_PROXY: "10.0.0.0/8, loopback" }).TRUST_PROXY).toEqual([
      "10.0.0.0/8",
      "loopback",
    ]);
    expect(loadConfig({ ...production, TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...production, TRUST_PROXY: "false" }).TRUST_PROXY).toBe(false);
    // Trusting every hop would let any client choose its own address and so its own rate-limit bucket.
    expect(problemsOf({ ...production, TRUST_PROXY: "true" })[0]).toMatch(/^TRUST_PROXY: /);
    expect(problemsOf({ ...production, TRUST_PROXY: "my-proxy" })[0]).toMatch(/^TRUST_PROXY: /);
  });

  it("refuses the development duplicate-match key in production, and Entra API settings without each other", () => {
    const { DUPLICATE_MATCH_KEY: _, ...withoutKey } = production;
    expect(problemsOf(withoutKey).find((p) => p.startsWith("DUPLICATE_MATCH_KEY:"))).toMatch(
      /only with NODE_ENV=development or test/,
    );
    const tenant = "11111111-2222-4333-8444-555555555555";
    expect(problemsOf({ ...production, API_ENTRA_TENANT_ID: tenant })[0]).toMatch(/^API_ENTRA_AUDIENCE: /);
    expect(problemsOf({ ...production, API_ENTRA_AUDIENCE: "api://referrals" })[0]).toMatch(/^API_ENTRA_TENANT_ID: /);
    expect(problemsOf({ ...production, API_ENTRA_TENANT_ID: tenant, API_ENTRA_AUDIENCE: "api://referrals" })).toEqual(
      [],
    );
  });
});
