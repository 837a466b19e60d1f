import { describe, expect, it } from "vitest";
import { DEV_COUNCIL_WEBHOOK_SECRET } from "../../src/config/handoff.js";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

const dev = (env: Record<string, string>) => loadConfig({ NODE_ENV: "development", ...env });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};
const STRONG = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
/** What production needs anyway, so only the hand-off settings are judged. */
const production = (env: Record<string, string>) =>
  problemsOf(() => loadConfig({ NODE_ENV: "production", ...env })).filter((p) => p.startsWith("COUNCIL_"));

describe("placement hand-off settings", () => {
  it("are off by default", () => {
    const c = dev({});
    expect(c.COUNCIL_WEBHOOK_URL).toBeUndefined();
    expect(c.COUNCIL_WEBHOOK_SECRET).toBeUndefined();
    expect(c.PLACEMENTS_CSV_DIR).toBeUndefined();
  });

  it("take a URL, a whsec_ secret and a directory", () => {
    const c = dev({
      COUNCIL_WEBHOOK_URL: "https://lcs.council.example/hooks/placements",
      COUNCIL_WEBHOOK_SECRET: DEV_COUNCIL_WEBHOOK_SECRET,
      PLACEMENTS_CSV_DIR: "/var/lib/referral-bot/placements",
    });
    expect(c.COUNCIL_WEBHOOK_URL).toBe("https://lcs.council.example/hooks/placements");
    expect(c.PLACEMENTS_CSV_DIR).toBe("/var/lib/referral-bot/placements");
  });

  it("refuse a URL without a secret, a bad URL and a secret that is not whsec_", () => {
    expect(problemsOf(() => dev({ COUNCIL_WEBHOOK_URL: "https://lcs.council.example/h" }))).toEqual([
      expect.stringMatching(/^COUNCIL_WEBHOOK_SECRET: is required with COUNCIL_WEBHOOK_URL/),
    ]);
    expect(
      problemsOf(() => dev({ COUNCIL_WEBHOOK_URL: "ftp://x", COUNCIL_WEBHOOK_SECRET: DEV_COUNCIL_WEBHOOK_SECRET })),
    ).toEqual(["COUNCIL_WEBHOOK_URL: must be an http(s) URL"]);
    expect(problemsOf(() => dev({ COUNCIL_WEBHOOK_SECRET: "hunter2" }))).toEqual([
      expect.stringMatching(/^COUNCIL_WEBHOOK_SECRET: must be a Standard Webhooks secret/),
    ]);
  });

  it("refuse in production a missing, development or short secret, and accept a strong one", () => {
    const url = { COUNCIL_WEBHOOK_URL: "https://lcs.council.example/h" };
    expect(production(url)).toEqual([expect.stringMatching(/^COUNCIL_WEBHOOK_SECRET: is required/)]);
    expect(production({ ...url, COUNCIL_WEBHOOK_SECRET: DEV_COUNCIL_WEBHOOK_SECRET })).toEqual([
      expect.stringMatching(/^COUNCIL_WEBHOOK_SECRET: the development secret/),
    ]);
    const short = `whsec_${Buffer.alloc(16, 7).toString("base64")}`;
    expect(production({ ...url, COUNCIL_WEBHOOK_SECRET: short })).toHaveLength(1);
    expect(production({ ...url, COUNCIL_WEBHOOK_SECRET: STRONG })).toEqual([]);
    // Development accepts the published secret.
    expect(dev({ ...url, COUNCIL_WEBHOOK_SECRET: DEV_COUNCIL_WEBHOOK_SECRET }).COUNCIL_WEBHOOK_SECRET).toBe(
      DEV_COUNCIL_WEBHOOK_SECRET,
    );
  });
});
