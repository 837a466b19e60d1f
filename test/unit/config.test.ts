import { describe, expect, it } from "vitest";
import { serviceUrlAllowed } from "../../src/chat/service-url.js";
import { loadConfig, teamsServiceUrlPolicy, teamsSettings } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

// Most cases are about one setting: read them as on a developer's machine, where the development secrets are fine.
const dev = (env: Record<string, string>) => loadConfig({ NODE_ENV: "development", ...env });

describe("config", () => {
  it("has defaults that work on this machine", () => {
    const c = loadConfig({ NODE_ENV: "development" });
    expect(c.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/referral_bot");
    expect(c.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_BASE_URL).toBe("http://127.0.0.1:3000");
    expect(c.RESTRICTED_DATA_KEYS.get("dev")?.length).toBe(32);
  });

  it("reports one clear line per bad setting", () => {
    try {
      loadConfig({ NODE_ENV: "development", PORT: "seventy", REDIS_URL: "http://x", PUBLIC_BASE_URL: "nope" });
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
    const c = dev({});
    expect([c.DEMO_CHAT_PORT, c.DEMO_WEBHOOK_PORT, c.DEMO_SMTP_PORT, c.DEMO_ANSWER_DELAY_MS]).toEqual([
      3978, 3979, 3980, 2500,
    ]);
    expect(c.DEMO_DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/referral_bot_demo");
    expect(() => dev({ DEMO_WEBHOOK_PORT: "99999" })).toThrow("DEMO_WEBHOOK_PORT:");
    expect(() => dev({ DEMO_DATABASE_URL: "mysql://x" })).toThrow("DEMO_DATABASE_URL: must be a postgresql:// URL");
  });

  it("checks the active key against the key ring", () => {
    expect(() => loadConfig({ NODE_ENV: "development", RESTRICTED_DATA_ACTIVE_KEY: "k9" })).toThrow(
      "RESTRICTED_DATA_ACTIVE_KEY: is not a key id in RESTRICTED_DATA_KEYS",
    );
  });

  it("parses a key ring with rotation and refuses the development key in production", () => {
    const k = Buffer.alloc(32, 7).toString("base64");
    const c = loadConfig({
      NODE_ENV: "development",
      RESTRICTED_DATA_KEYS: `k1:${k},k2:${k}`,
      RESTRICTED_DATA_ACTIVE_KEY: "k2",
    });
    expect([...c.RESTRICTED_DATA_KEYS.keys()]).toEqual(["k1", "k2"]);
    expect(() =>
      loadConfig({ NODE_ENV: "development", RESTRICTED_DATA_KEYS: "k1:c2hvcnQ=", RESTRICTED_DATA_ACTIVE_KEY: "k1" }),
    ).toThrow(/32 bytes/);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/development key is accepted only with NODE_ENV/);
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ NODE_ENV: "development", PORT: "" }).PORT).toBe(3000);
  });

  it("guards the Teams credentials: never a client id alone, local mode never in production", () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ NODE_ENV: "development", ...env });
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

  it("trusts one Teams tenant: credentials without TEAMS_TENANT_ID are refused", () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        dev(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    const creds = {
      TEAMS_CLIENT_ID: "app-id",
      TEAMS_CLIENT_SECRET: "secret",
      TEAMS_REFERRALS_CHANNEL: "19:x@thread.tacv2",
    };
    expect(problemsOf(creds)).toEqual([
      "TEAMS_TENANT_ID: Teams credentials need TEAMS_TENANT_ID: the bot trusts activities from this one tenant only",
    ]);
    expect(problemsOf({ ...creds, TEAMS_TENANT_ID: "contoso" })).toEqual([
      "TEAMS_TENANT_ID: must be the Entra directory (tenant) id, a GUID",
    ]);
    const tenant = "11111111-1111-4111-8111-111111111111";
    expect(problemsOf({ ...creds, TEAMS_TENANT_ID: tenant })).toEqual([]);
    expect(teamsSettings(dev({ ...creds, TEAMS_TENANT_ID: tenant }))?.credentials?.tenantId).toBe(tenant);
  });

  it("allows Teams service URLs on Microsoft's Bot Framework hosts only, https in production", () => {
    const c = dev({});
    expect(c.TEAMS_SERVICE_URL_HOSTS).toEqual([
      "smba.trafficmanager.net",
      "*.botframework.com",
      "smba.infra.gcc.teams.microsoft.com",
      "smba.infra.gov.teams.microsoft.us",
      "smba.infra.dod.teams.microsoft.us",
      "*.botframework.us",
      "*.botframework.azure.us",
    ]);
    const policy = teamsServiceUrlPolicy(c);
    const allowed = (url: string, p = policy) => serviceUrlAllowed(url, p);
    expect(allowed("https://smba.trafficmanager.net/teams/")).toBe(true);
    expect(allowed("https://smba.trafficmanager.net/amer/")).toBe(true);
    expect(allowed("https://europe.webchat.botframework.com/")).toBe(true);
    expect(allowed("https://smba.infra.gov.teams.microsoft.us/gcch")).toBe(true);
    expect(allowed("https://botframework.com.evil.example/")).toBe(false);
    expect(allowed("https://evilbotframework.com/")).toBe(false);
    expect(allowed("https://smba.trafficmanager.net:8443/teams/")).toBe(false);
    expect(allowed("https://user@smba.trafficmanager.net/teams/")).toBe(false);
    expect(allowed("http://127.0.0.1:3978/")).toBe(false);
    expect(allowed("not a url")).toBe(false);
    // Production: https only. Local mode: loopback (the local connector) too.
    const prod = teamsServiceUrlPolicy({ ...c, NODE_ENV: "production" });
    expect(allowed("http://smba.trafficmanager.net/teams/", prod)).toBe(false);
    expect(allowed("http://smba.trafficmanager.net/teams/")).toBe(true);
    const local = teamsServiceUrlPolicy(dev({ TEAMS_LOCAL_MODE: "true" }));
    expect(allowed("http://127.0.0.1:3978/", local)).toBe(true);
    expect(allowed("http://localhost:3978/", local)).toBe(true);
    expect(allowed("http://10.0.0.5/", local)).toBe(false);
    // A host with a port is matched with that port only.
    const custom = teamsServiceUrlPolicy(dev({ TEAMS_SERVICE_URL_HOSTS: "127.0.0.1:4000" }));
    expect(allowed("http://127.0.0.1:4000/", custom)).toBe(true);
    expect(allowed("http://127.0.0.1:4001/", custom)).toBe(false);
    // The configured fallback must itself be allowed.
    expect(() =>
      dev({
        TEAMS_LOCAL_MODE: "false",
        TEAMS_CLIENT_ID: "a",
        TEAMS_CLIENT_SECRET: "b",
        TEAMS_TENANT_ID: "11111111-1111-4111-8111-111111111111",
        TEAMS_REFERRALS_CHANNEL: "19:x@thread.tacv2",
        TEAMS_SERVICE_URL: "https://evil.example/teams",
      }),
    ).toThrow(/TEAMS_SERVICE_URL: its host is not in TEAMS_SERVICE_URL_HOSTS/);
    expect(() => loadConfig({ NODE_ENV: "production", TEAMS_LOGIN_URL: "http://127.0.0.1:1" })).toThrow(
      /TEAMS_LOGIN_URL: must be https in production/,
    );
  });

  it("keeps webhooks off loopback unless a non-production environment asks for it", () => {
    expect(dev({}).WEBHOOK_ALLOW_LOOPBACK).toBe(false);
    expect(dev({ WEBHOOK_ALLOW_LOOPBACK: "true" }).WEBHOOK_ALLOW_LOOPBACK).toBe(true);
    try {
      loadConfig({ NODE_ENV: "production", WEBHOOK_ALLOW_LOOPBACK: "true" });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toContain(
        "WEBHOOK_ALLOW_LOOPBACK: loopback webhooks are for development and tests; refused in production",
      );
    }
  });

  it("checks the digest's cron pattern and channel", () => {
    const c = loadConfig({ NODE_ENV: "development" });
    expect(c.DIGEST_CRON).toBe("30 8 * * 1-5");
    expect(c.DIGEST_SLACK_CHANNEL).toBeUndefined();
    expect(c.ROUND_SWEEP_INTERVAL_MS).toBe(30_000);
    expect(
      loadConfig({ NODE_ENV: "development", DIGEST_CRON: "0 9 * * *", DIGEST_SLACK_CHANNEL: "C0ART" }).DIGEST_CRON,
    ).toBe("0 9 * * *");
    expect(() => loadConfig({ NODE_ENV: "development", DIGEST_CRON: "half past eight" })).toThrow(
      "DIGEST_CRON: must be a cron pattern such as 30 8 * * 1-5",
    );
    expect(() => loadConfig({ NODE_ENV: "development", DIGEST_CRON: "61 8 * * 1-5" })).toThrow(/DIGEST_CRON/);
    expect(() => loadConfig({ NODE_ENV: "development", DIGEST_SLACK_CHANNEL: "#art" })).toThrow(
      /DIGEST_SLACK_CHANNEL: must be a channel id/,
    );
  });

  it("reads the inbound mail settings: receiver address, client cap, our gateway's authserv-id", () => {
    const c = dev({});
    expect(c.INBOUND_SMTP_HOST).toBeUndefined();
    expect(c.INBOUND_SMTP_MAX_CLIENTS).toBe(20);
    expect(c.INBOUND_AUTHSERV_ID).toBeUndefined();
    const set = dev({ INBOUND_SMTP_HOST: "10.0.0.5", INBOUND_AUTHSERV_ID: "mx.council.gov.uk" });
    expect([set.INBOUND_SMTP_HOST, set.INBOUND_AUTHSERV_ID]).toEqual(["10.0.0.5", "mx.council.gov.uk"]);
    expect(() => dev({ INBOUND_AUTHSERV_ID: "mx.council.gov.uk; dkim=pass" })).toThrow(
      "INBOUND_AUTHSERV_ID: must be the gateway's authserv-id, such as mx.council.gov.uk",
    );
    expect(() => dev({ INBOUND_SMTP_MAX_CLIENTS: "0" })).toThrow(/INBOUND_SMTP_MAX_CLIENTS: must be at least 1/);
  });

  it("checks the retention settings", () => {
    const c = dev({});
    expect(c.RETENTION_DAYS_AFTER_CLOSE).toBe(90);
    expect(c.RETENTION_CRON).toBe("15 2 * * *");
    expect(dev({ RETENTION_DAYS_AFTER_CLOSE: "365" }).RETENTION_DAYS_AFTER_CLOSE).toBe(365);
    expect(() => dev({ RETENTION_DAYS_AFTER_CLOSE: "0" })).toThrow("RETENTION_DAYS_AFTER_CLOSE: must be at least 1");
    expect(() => dev({ RETENTION_DAYS_AFTER_CLOSE: "ninety" })).toThrow(/RETENTION_DAYS_AFTER_CLOSE/);
    expect(() => dev({ RETENTION_CRON: "nightly" })).toThrow(
      "RETENTION_CRON: must be a cron pattern such as 15 2 * * *",
    );
  });
});
