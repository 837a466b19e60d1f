// The one place that reads the environment. Everything is validated at start-up so a bad setting stops the
// process with one clear line per problem, instead of failing later in the middle of a referral.

import { CronExpressionParser } from "cron-parser";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { DEFAULT_SERVICE_URL_HOSTS, type ServiceUrlPolicy, serviceUrlAllowed } from "./chat/service-url.js";
import { operationsSettings } from "./config-operations.js";
import { ConfigError } from "./errors.js";
import { parseApiTokens } from "./http/api-tokens.js";

const intFrom = (def: number, min = 0) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

// A key ring "k1:<base64 32 bytes>,k2:<base64>": old keys stay to decrypt, the active one encrypts.
const keyRing = z.string().transform((raw, ctx) => {
  const keys = new Map<string, Buffer>();
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [id, b64] = part.split(":");
    const key = b64 ? Buffer.from(b64, "base64") : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      ctx.addIssue({ code: "custom", message: "each entry must be <keyId>:<base64 of 32 bytes>" });
      return z.NEVER;
    }
    keys.set(id, key);
  }
  if (keys.size === 0) {
    ctx.addIssue({ code: "custom", message: "at least one key is needed" });
    return z.NEVER;
  }
  return keys;
});

const idList = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

function validCron(pattern: string): boolean {
  try {
    CronExpressionParser.parse(pattern, { tz: "Europe/London" });
    return true;
  } catch {
    return false;
  }
}

// Published in this repository, so only for development and tests: accepted only when NODE_ENV says so.
export const DEV_TOKEN_SECRET = "dev-only-response-token-secret-not-for-production";
export const DEV_DATA_KEYS = "dev:ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE=";
// Recognised by its bytes: renaming the id would not make the published key secret.
const DEV_KEY_BYTES = Buffer.from(DEV_DATA_KEYS.slice(DEV_DATA_KEYS.indexOf(":") + 1), "base64");
const ONLY_IN_DEVELOPMENT = "is accepted only with NODE_ENV=development or test";

// Which proxies' X-Forwarded-For Express believes (the client address rate limits and logs use): a hop count,
// or names (loopback, linklocal, uniquelocal) and addresses/CIDRs. Never "true": trusting every hop would let any
// client pick its own address, and with it its own rate-limit bucket.
const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
const trustProxy = z
  .string()
  .default("loopback")
  .transform((raw, ctx): string | string[] | number | false => {
    const v = raw.trim();
    if (v === "false" || v === "none") return false;
    if (/^\d+$/.test(v)) return Number(v);
    const parts = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.find((p) => !PROXY_NAMES.has(p) && !ipaddr.isValid(p) && !ipaddr.isValidCIDR(p));
    if (bad !== undefined || parts.length === 0) {
      ctx.addIssue({
        code: "custom",
        message:
          "must be a hop count, false, or loopback/linklocal/uniquelocal and proxy addresses or CIDRs (never true)",
      });
      return z.NEVER;
    }
    return parts.length === 1 ? (parts[0] as string) : parts;
  });

const schema = z
  .object({
    // Unset means production: the published development key and secret, and Teams local mode, need an explicit
    // NODE_ENV=development or test (the demo and the test helpers set it themselves).
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .default("postgresql://postgres@127.0.0.1:5432/referral_bot"),
    // Connections each process keeps to PostgreSQL (workers hold one per concurrent query, not per job).
    DATABASE_POOL_SIZE: intFrom(20, 1),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default("rb"),
    PORT: intFrom(3000).pipe(z.number().max(65535)),
    HOST: z.string().default("127.0.0.1"),
    PUBLIC_BASE_URL: z
      .url({ error: "must be an absolute URL such as https://referrals.example.gov.uk" })
      .default("http://127.0.0.1:3000"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    RESTRICTED_DATA_KEYS: keyRing.prefault(DEV_DATA_KEYS),
    RESTRICTED_DATA_ACTIVE_KEY: z.string().default("dev"),
    SECOND_APPROVAL_THRESHOLD_GBP: intFrom(5000),
    ROUND_HOURS_EMERGENCY: intFrom(4, 1),
    ROUND_DAYS_STANDARD: intFrom(7, 1),
    REFERENCE_PREFIX: z
      .string()
      .regex(/^[A-Z]{1,4}$/)
      .default("R"),
    WORKER_CONCURRENCY: intFrom(50, 1),
    MIGRATE_ON_START: bool(true),
    // Derives providers' response tokens and reply addresses (HMAC), so retries resend the same link and
    // only a hash is stored. Changing it invalidates every outstanding link.
    RESPONSE_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").default(DEV_TOKEN_SECRET),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .default("smtp://127.0.0.1:2525"),
    MAIL_FROM: z.string().min(3).default("Placement referrals <referrals@localhost>"),
    // Replies go to reply+<delivery>.<mac>@MAIL_REPLY_DOMAIN; route that domain to POST /inbound/email.
    MAIL_REPLY_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, "must be a domain name")
      .default("replies.localhost"),
    // Shared secret an inbound-mail service sends as a bearer token on POST /inbound/email; required in
    // production while that endpoint is on (INBOUND_EMAIL_HTTP), since it stores provider responses.
    INBOUND_EMAIL_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    // POST /inbound/email on or off: sites whose replies come by the built-in SMTP receiver turn it off.
    INBOUND_EMAIL_HTTP: bool(true),
    // The built-in SMTP receiver for replies accepts mail from anyone who reaches its port, so it runs only when
    // enabled explicitly, on INBOUND_SMTP_PORT (a port alone does not turn it on).
    INBOUND_SMTP_ENABLED: bool(false),
    INBOUND_SMTP_PORT: intFrom(0).pipe(z.number().max(65535)),
    // Where the SMTP receiver listens (unset: HOST), so it can sit on the interface the mail gateway reaches.
    INBOUND_SMTP_HOST: z.string().min(1).optional(),
    // Connections the SMTP receiver serves at once; more are told 421 (try later) instead of piling up.
    INBOUND_SMTP_MAX_CLIENTS: intFrom(20, 1),
    // The authserv-id our mail gateway writes in Authentication-Results (RFC 8601). Only those fields are
    // believed: a DKIM/SPF/DMARC failure there refuses a reply, a DKIM pass for the provider's domain lets its
    // decline hold beyond the round. Unset: no email decline ever counts beyond its round.
    INBOUND_AUTHSERV_ID: z
      .string()
      .regex(/^[^\s;()"\\]+$/, "must be the gateway's authserv-id, such as mx.council.gov.uk")
      .optional(),
    TRUST_PROXY: trustProxy,
    // Requests per client address per window, counted in Redis across web instances; 0 = no limit. Generous
    // defaults: a provider system or Slack/Teams answering many referrals from one address must not be throttled.
    RATE_LIMIT_WINDOW_MS: intFrom(60_000, 1000),
    RATE_LIMIT_RESPONSE_LINKS: intFrom(600), // GET|POST /r/<token>
    RATE_LIMIT_API: intFrom(300), // /api/v1/*
    RATE_LIMIT_INBOUND: intFrom(1200), // POST /inbound/email, /slack/events, /api/messages
    WEBHOOK_TIMEOUT_MS: intFrom(10_000, 100),
    // Development, tests, demo and benchmark only: let webhooks go to loopback receivers (over plain http too).
    // Off, a provider's webhook URL may only reach public addresses over https, so a URL in the directory cannot
    // be used to probe the service's own machine. Private ranges stay refused either way. Refused in production.
    WEBHOOK_ALLOW_LOOPBACK: bool(false),
    DELIVERY_MAX_ATTEMPTS: intFrom(8, 1),
    // First retry delay; later ones grow about four-fold (5 s, 20 s, 80 s, 5 min, ... up to 10 h).
    DELIVERY_BACKOFF_MS: intFrom(5_000, 1),
    // How long before a job whose worker died is picked up again.
    WORKER_STALLED_INTERVAL_MS: intFrom(30_000, 100),
    // Deliveries in flight at once to one destination (email domain or webhook host).
    DESTINATION_CONCURRENCY: intFrom(8, 1),
    // Reminder to providers who have not answered, when this share of the round has passed.
    REMINDER_AT_PERCENT: intFrom(75, 1).pipe(z.number().max(99)),
    MAX_ROUNDS: intFrom(6, 1),
    RECONCILE_INTERVAL_MS: intFrom(15_000, 100),
    // Chat threads: events within this window become one update; one post per channel per interval.
    CHAT_COALESCE_MS: intFrom(1000, 50),
    CHAT_CHANNEL_INTERVAL_MS: intFrom(1100, 0),
    // Slack (all unset = Slack off). SLACK_API_URL points the Web API client elsewhere (tests: a local fake).
    SLACK_SIGNING_SECRET: z.string().min(8).optional(),
    SLACK_BOT_TOKEN: z
      .string()
      .regex(/^xoxb-/, "must be a bot token (xoxb-...)")
      .optional(),
    SLACK_API_URL: z.url().default("https://slack.com/api/"),
    SLACK_REFERRALS_CHANNEL: z
      .string()
      .regex(/^[CG][A-Z0-9]+$/, "must be a channel id like C0123ABCD")
      .optional(),
    // ART members and senior approvers, as Slack user ids "U012,U034".
    SLACK_ART_USER_IDS: idList,
    SLACK_SENIOR_USER_IDS: idList,
    // Or Slack user groups (S0123...) whose members are ART / senior approvers (read with usergroups:read).
    SLACK_ART_USERGROUP_ID: z
      .string()
      .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
      .optional(),
    SLACK_SENIOR_USERGROUP_ID: z
      .string()
      .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
      .optional(),
    // Who may raise referrals from Slack: these user ids and the members of this user group (ART always may).
    // Both unset = anyone in the workspace, as before. A group that cannot be read counts as empty (fail closed).
    SLACK_RAISER_USER_IDS: idList,
    SLACK_RAISER_USERGROUP_ID: z
      .string()
      .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
      .optional(),
    // Microsoft Teams (off unless TEAMS_REFERRALS_CHANNEL is set). The bot's Entra app registration: client id
    // and secret always together, never an id alone (the SDK would then probe the cloud metadata address).
    TEAMS_CLIENT_ID: z.string().min(1).optional(),
    TEAMS_CLIENT_SECRET: z.string().min(1).optional(),
    // The one Entra tenant (directory id) whose Teams may talk to the bot: activities from any other tenant are
    // refused. Required with credentials: the SDK alone accepts a token from any tenant whose audience is the bot.
    TEAMS_TENANT_ID: z.uuid("must be the Entra directory (tenant) id, a GUID").optional(),
    // Hosts the bot may send to: an activity's serviceUrl is where replies (with the bot's token) go, so only
    // Microsoft's Bot Framework hosts are accepted. "host" or "*.domain", optionally ":port"; https in production.
    TEAMS_SERVICE_URL_HOSTS: idList
      .pipe(z.array(z.string()).min(1, "must list at least one host"))
      .prefault(DEFAULT_SERVICE_URL_HOSTS.join(",")),
    // Microsoft's cloud for token checks and the bot's own tokens (sovereign clouds: usgov, usgovdod, china).
    TEAMS_CLOUD: z.enum(["public", "usgov", "usgovdod", "china"]).default("public"),
    // Where inbound tokens' keys come from, when not the cloud's own (tests: a local OpenID metadata / JWKS
    // server). Bot Framework tokens: the OpenID metadata URL; Entra tokens: the login endpoint.
    TEAMS_OPENID_METADATA_URL: z.url().optional(),
    TEAMS_LOGIN_URL: z.url().optional(),
    // Development and tests only: accept unauthenticated activities on /api/messages. Refused in production.
    TEAMS_LOCAL_MODE: bool(false),
    // The Bot Framework service for conversations Teams has not told us about yet (tests and demo: local).
    TEAMS_SERVICE_URL: z.url().default("https://smba.trafficmanager.net/teams"),
    // The channel's conversation id, e.g. 19:abc...@thread.tacv2 (see the README for how to find it).
    TEAMS_REFERRALS_CHANNEL: z.string().min(3).optional(),
    // ART members and senior approvers as Entra (AAD) object ids.
    TEAMS_ART_USER_IDS: idList,
    TEAMS_SENIOR_USER_IDS: idList,
    // Or Entra groups whose members (nested too) are ART / senior approvers, read through Microsoft Graph.
    TEAMS_ART_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
    TEAMS_SENIOR_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
    TEAMS_GRAPH_URL: z.url().default("https://graph.microsoft.com"),
    // Who may raise referrals from Teams: these Entra object ids and the (nested) members of this Entra group
    // (ART always may). Both unset = anyone who can reach the bot, as before.
    TEAMS_RAISER_USER_IDS: idList,
    TEAMS_RAISER_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
    // The daily digest of unplaced children: when (cron in Europe/London; BST handled) and where. A channel per
    // platform; a platform without a channel (or without its chat settings) gets no digest.
    DIGEST_CRON: z
      .string()
      .trim()
      .refine((v) => validCron(v), "must be a cron pattern such as 30 8 * * 1-5")
      .default("30 8 * * 1-5"),
    DIGEST_SLACK_CHANNEL: z
      .string()
      .regex(/^[CG][A-Z0-9]+$/, "must be a channel id like C0123ABCD")
      .optional(),
    DIGEST_TEAMS_CHANNEL: z.string().min(3).optional(),
    // Retention: a referral's personal data (restricted details, free text) is erased this many days after it
    // closed (placed, withdrawn or expired); the anonymised fields reporting needs stay. See docs/data-protection.md.
    RETENTION_DAYS_AFTER_CLOSE: intFrom(90, 1),
    // When the daily retention run starts: a cron pattern in Europe/London time (02:15 every day).
    RETENTION_CRON: z
      .string()
      .trim()
      .refine((v) => validCron(v), "must be a cron pattern such as 15 2 * * *")
      .default("15 2 * * *"),
    // How often the round clock runs (reminders, closing rounds, recirculation), as a BullMQ job scheduler.
    ROUND_SWEEP_INTERVAL_MS: intFrom(30_000, 500),
    // `npm run demo` only. Fixed ports (not "any free one") so the page's address and the demo providers'
    // webhook URLs stay the same from one start to the next; each can be moved when something else holds it.
    DEMO_CHAT_PORT: intFrom(3978).pipe(z.number().max(65535)),
    DEMO_WEBHOOK_PORT: intFrom(3979).pipe(z.number().max(65535)),
    DEMO_SMTP_PORT: intFrom(3980).pipe(z.number().max(65535)),
    // The demo's own database, apart from DATABASE_URL's, so trying the demo never mixes sample data into it.
    DEMO_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .default("postgresql://postgres@127.0.0.1:5432/referral_bot_demo"),
    // How long the demo's providers take to answer (each waits 1-4 times this): short enough to watch.
    DEMO_ANSWER_DELAY_MS: intFrom(2500),
    // API callers acting for ART, each with the scopes it may use: "<name>:<token>[:<scope>+<scope>...]"
    // (tokens of 32+ characters). Without scopes a token may only read reports (see src/http/api-tokens.ts).
    ART_API_TOKENS: z
      .string()
      .superRefine((raw, ctx) => {
        for (const message of parseApiTokens(raw).problems) ctx.addIssue({ code: "custom", message });
      })
      .optional(),
    ...operationsSettings,
  })
  .superRefine((c, ctx) => {
    if (!c.RESTRICTED_DATA_KEYS.has(c.RESTRICTED_DATA_ACTIVE_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["RESTRICTED_DATA_ACTIVE_KEY"],
        message: "is not a key id in RESTRICTED_DATA_KEYS",
      });
    }
    const slack = [c.SLACK_SIGNING_SECRET, c.SLACK_BOT_TOKEN, c.SLACK_REFERRALS_CHANNEL];
    if (slack.some(Boolean) && !slack.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_BOT_TOKEN"],
        message: "Slack needs SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_REFERRALS_CHANNEL together",
      });
    }
    if (Boolean(c.TEAMS_CLIENT_ID) !== Boolean(c.TEAMS_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_CLIENT_SECRET"],
        message: "TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET go together (an id alone would try a managed identity)",
      });
    }
    const serviceUrls = teamsServiceUrlPolicy(c);
    if (c.TEAMS_REFERRALS_CHANNEL && !serviceUrlAllowed(c.TEAMS_SERVICE_URL, serviceUrls)) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_SERVICE_URL"],
        message: `its host is not in TEAMS_SERVICE_URL_HOSTS${c.NODE_ENV === "production" ? " (or it is not https)" : ""}`,
      });
    }
    if (c.NODE_ENV === "production") {
      for (const key of ["TEAMS_OPENID_METADATA_URL", "TEAMS_LOGIN_URL"] as const) {
        if (c[key] && !c[key].startsWith("https://")) {
          ctx.addIssue({ code: "custom", path: [key], message: "must be https in production" });
        }
      }
    }
    const development = c.NODE_ENV === "development" || c.NODE_ENV === "test";
    if (c.TEAMS_LOCAL_MODE && !development) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_LOCAL_MODE"],
        message: `local mode (unauthenticated activities) ${ONLY_IN_DEVELOPMENT}; set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead`,
      });
    }
    if (c.WEBHOOK_ALLOW_LOOPBACK && c.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_ALLOW_LOOPBACK"],
        message: "loopback webhooks are for development and tests; refused in production",
      });
    }
    if (c.TEAMS_LOCAL_MODE && c.TEAMS_CLIENT_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_LOCAL_MODE"],
        message: "local mode and Teams credentials are exclusive: unset one",
      });
    }
    if (c.TEAMS_REFERRALS_CHANNEL && !c.TEAMS_CLIENT_ID && !c.TEAMS_LOCAL_MODE) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_CLIENT_ID"],
        message: "Teams needs TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET (or TEAMS_LOCAL_MODE=true for development)",
      });
    }
    if (c.TEAMS_CLIENT_ID && !c.TEAMS_TENANT_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["TEAMS_TENANT_ID"],
        message: "Teams credentials need TEAMS_TENANT_ID: the bot trusts activities from this one tenant only",
      });
    }
    if (!development && c.RESPONSE_TOKEN_SECRET === DEV_TOKEN_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["RESPONSE_TOKEN_SECRET"],
        message: `the development secret ${ONLY_IN_DEVELOPMENT}; set a random secret of 32+ characters (openssl rand -base64 48), or NODE_ENV=development on your own machine`,
      });
    }
    if (!development && [...c.RESTRICTED_DATA_KEYS.values()].some((k) => k.equals(DEV_KEY_BYTES))) {
      ctx.addIssue({
        code: "custom",
        path: ["RESTRICTED_DATA_KEYS"],
        message: `the development key ${ONLY_IN_DEVELOPMENT}; set your own key ring (k1:<base64 of 32 random bytes, from openssl rand -base64 32>) and RESTRICTED_DATA_ACTIVE_KEY=k1, or NODE_ENV=development on your own machine`,
      });
    }
    if (!development && c.INBOUND_EMAIL_HTTP && !c.INBOUND_EMAIL_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["INBOUND_EMAIL_SECRET"],
        message:
          "is required in production while POST /inbound/email is on: set a secret of 16+ characters for your inbound-mail service, or INBOUND_EMAIL_HTTP=false",
      });
    }
    if (c.INBOUND_SMTP_PORT > 0 && !c.INBOUND_SMTP_ENABLED) {
      ctx.addIssue({
        code: "custom",
        path: ["INBOUND_SMTP_ENABLED"],
        message:
          "INBOUND_SMTP_PORT is set but the built-in SMTP receiver is off: set INBOUND_SMTP_ENABLED=true to run it (it accepts mail from anyone who reaches the port), or unset the port",
      });
    }
    if (c.INBOUND_SMTP_ENABLED && c.INBOUND_SMTP_PORT === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["INBOUND_SMTP_PORT"],
        message: "the built-in SMTP receiver needs a port (INBOUND_SMTP_PORT)",
      });
    }
  });

export type Config = z.infer<typeof schema>;

/** Which service URLs the bot may store and send to (see src/chat/service-url.ts). */
export function teamsServiceUrlPolicy(
  c: Pick<Config, "TEAMS_SERVICE_URL_HOSTS" | "NODE_ENV" | "TEAMS_LOCAL_MODE">,
): ServiceUrlPolicy {
  return {
    hosts: c.TEAMS_SERVICE_URL_HOSTS,
    httpsOnly: c.NODE_ENV === "production",
    allowLoopback: c.TEAMS_LOCAL_MODE,
  };
}

/** Teams' settings when Teams is on, else undefined. */
export function teamsSettings(c: Config) {
  if (!c.TEAMS_REFERRALS_CHANNEL) return undefined;
  return {
    // The refinement above guarantees the tenant whenever there are credentials.
    ...(c.TEAMS_CLIENT_ID && c.TEAMS_CLIENT_SECRET && c.TEAMS_TENANT_ID
      ? {
          credentials: {
            clientId: c.TEAMS_CLIENT_ID,
            clientSecret: c.TEAMS_CLIENT_SECRET,
            tenantId: c.TEAMS_TENANT_ID,
          },
        }
      : {}),
    // In local mode a configured tenant is still checked on every activity.
    ...(c.TEAMS_TENANT_ID ? { tenantId: c.TEAMS_TENANT_ID } : {}),
    allowUnauthenticated: c.TEAMS_LOCAL_MODE,
    serviceUrl: c.TEAMS_SERVICE_URL,
    serviceUrls: teamsServiceUrlPolicy(c),
    cloud: {
      name: c.TEAMS_CLOUD,
      ...(c.TEAMS_OPENID_METADATA_URL ? { openIdMetadataUrl: c.TEAMS_OPENID_METADATA_URL } : {}),
      ...(c.TEAMS_LOGIN_URL ? { loginEndpoint: c.TEAMS_LOGIN_URL.replace(/\/+$/, "") } : {}),
    },
    referralsChannel: c.TEAMS_REFERRALS_CHANNEL,
    artUserIds: c.TEAMS_ART_USER_IDS,
    seniorUserIds: c.TEAMS_SENIOR_USER_IDS,
    ...(c.TEAMS_ART_GROUP_ID ? { artGroupId: c.TEAMS_ART_GROUP_ID } : {}),
    ...(c.TEAMS_SENIOR_GROUP_ID ? { seniorGroupId: c.TEAMS_SENIOR_GROUP_ID } : {}),
    raiserUserIds: c.TEAMS_RAISER_USER_IDS,
    ...(c.TEAMS_RAISER_GROUP_ID ? { raiserGroupId: c.TEAMS_RAISER_GROUP_ID } : {}),
    graphUrl: c.TEAMS_GRAPH_URL,
  };
}

/** Parses the environment; throws ConfigError whose message has one line per bad or missing setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset so `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
  throw new ConfigError(lines);
}
