import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

describe("config", () => {
  it("has defaults that work on this machine", () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/referral_bot");
    expect(c.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_BASE_URL).toBe("http://127.0.0.1:3000");
    expect(c.RESTRICTED_DATA_KEYS.get("dev")?.length).toBe(32);
  });

  it("reports one clear line per bad setting", () => {
    try {
      loadConfig({ PORT: "seventy", REDIS_URL: "http://x", PUBLIC_BASE_URL: "nope" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      expect(problems).toContain("PORT: must be a whole number");
      expect(problems.some((p) => p.startsWith("REDIS_URL: must be a redis:// URL"))).toBe(true);
      expect(problems.some((p) => p.startsWith("PUBLIC_BASE_URL:"))).toBe(true);
      for (const p of problems) expect(p).not.toContain("\n");
    }
  });

  it("has the demo's ports, database and answer delay, each checked", () => {
    const c = loadConfig({});
    expect([c.DEMO_CHAT_PORT, c.DEMO_WEBHOOK_PORT, c.DEMO_SMTP_PORT, c.DEMO_ANSWER_DELAY_MS]).toEqual([
      3978, 3979, 3980, 2500,
    ]);
    expect(c.DEMO_DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/referral_bot_demo");
    expect(() => loadConfig({ DEMO_WEBHOOK_PORT: "99999" })).toThrow("DEMO_WEBHOOK_PORT:");
    expect(() => loadConfig({ DEMO_DATABASE_URL: "mysql://x" })).toThrow(
      "DEMO_DATABASE_URL: must be a postgresql:// URL",
    );
  });

  it("checks the active key against the key ring", () => {
    expect(() => loadConfig({ RESTRICTED_DATA_ACTIVE_KEY: "k9" })).toThrow(
      "RESTRICTED_DATA_ACTIVE_KEY: is not a key id in RESTRICTED_DATA_KEYS",
    );
  });

  it("parses a key ring with rotation and refuses the development key in production", () => {
    const k = Buffer.alloc(32, 7).toString("base64");
    const c = loadConfig({ RESTRICTED_DATA_KEYS: `k1:${k},k2:${k}`, RESTRICTED_DATA_ACTIVE_KEY: "k2" });
    expect([...c.RESTRICTED_DATA_KEYS.keys()]).toEqual(["k1", "k2"]);
    expect(() => loadConfig({ RESTRICTED_DATA_KEYS: "k1:c2hvcnQ=", RESTRICTED_DATA_ACTIVE_KEY: "k1" })).toThrow(
      /32 bytes/,
    );
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/development key is refused/);
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ PORT: "" }).PORT).toBe(3000);
  });

  it("guards the Teams credentials: never a client id alone, local mode never in production", () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problemsOf({ TEAMS_CLIENT_ID: "app-id" })[0]).toMatch(/^TEAMS_CLIENT_SECRET: .*go together/);
    expect(problemsOf({ TEAMS_REFERRALS_CHANNEL: "19:x@thread.tacv2" })[0]).toMatch(/^TEAMS_CLIENT_ID: /);
    expect(
      problemsOf({ TEAMS_LOCAL_MODE: "true", NODE_ENV: "production" }).some((p) => p.startsWith("TEAMS_LOCAL_MODE:")),
    ).toBe(true);
    expect(problemsOf({ TEAMS_LOCAL_MODE: "true", TEAMS_CLIENT_ID: "a", TEAMS_CLIENT_SECRET: "b" })[0]).toMatch(
      /^TEAMS_LOCAL_MODE: .*exclusive/,
    );
    expect(problemsOf({ TEAMS_REFERRALS_CHANNEL: "19:x@thread.tacv2", TEAMS_LOCAL_MODE: "true" })).toEqual([]);
  });

  it("checks the digest's cron pattern and channel", () => {
    const c = loadConfig({});
    expect(c.DIGEST_CRON).toBe("30 8 * * 1-5");
    expect(c.DIGEST_SLACK_CHANNEL).toBeUndefined();
    expect(c.ROUND_SWEEP_INTERVAL_MS).toBe(30_000);
    expect(loadConfig({ DIGEST_CRON: "0 9 * * *", DIGEST_SLACK_CHANNEL: "C0ART" }).DIGEST_CRON).toBe("0 9 * * *");
    expect(() => loadConfig({ DIGEST_CRON: "half past eight" })).toThrow(
      "DIGEST_CRON: must be a cron pattern such as 30 8 * * 1-5",
    );
    expect(() => loadConfig({ DIGEST_CRON: "61 8 * * 1-5" })).toThrow(/DIGEST_CRON/);
    expect(() => loadConfig({ DIGEST_SLACK_CHANNEL: "#art" })).toThrow(/DIGEST_SLACK_CHANNEL: must be a channel id/);
  });
});
