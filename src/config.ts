// The one place that reads the environment. Everything is validated at start-up so a bad setting stops the
// process with one clear line per problem, instead of failing later in the middle of a referral.

import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { operationsSettings } from "./config-operations.js";
import { ConfigError } from "./errors.js";

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

// Only for development and tests: production refuses to start with it (see refine below).
export const DEV_TOKEN_SECRET = "dev-only-response-token-secret-not-for-production";
export const DEV_DATA_KEYS = "dev:ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE=";

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
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
    // Shared secret an inbound-mail service sends as a bearer token on POST /inbound/email.
    INBOUND_EMAIL_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    // Optional built-in SMTP receiver for replies (0 = off).
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
    WEBHOOK_TIMEOUT_MS: intFrom(10_000, 100),
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
    // Microsoft Teams (off unless TEAMS_REFERRALS_CHANNEL is set). The bot's Entra app registration: client id
    // and secret always together, never an id alone (the SDK would then probe the cloud metadata address).
    TEAMS_CLIENT_ID: z.string().min(1).optional(),
    TEAMS_CLIENT_SECRET: z.string().min(1).optional(),
    TEAMS_TENANT_ID: z.string().min(1).optional(),
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
    // How often the round clock runs (reminders, closing rounds, recirculation), as a BullMQ job scheduler.
    ROUND_SWEEP_INTERVAL_MS: intFrom(30_000, 500),
    // API callers acting as ART (reporting, integrations): "<actor name>:<token of 32+ chars>,..."
    ART_API_TOKENS: z
      .string()
      .regex(
        /^([A-Za-z0-9_.-]+:[A-Za-z0-9_-]{32,})(,[A-Za-z0-9_.-]+:[A-Za-z0-9_-]{32,})*$/,
        "must be name:token pairs, tokens of 32+ characters",
      )
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
    if (c.TEAMS_LOCAL_MODE && c.NODE_ENV === "production") {
      ctx.addIssue({ code: "custom", path: ["TEAMS_LOCAL_MODE"], message: "local mode is refused in production" });
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
    if (c.NODE_ENV === "production" && c.RESPONSE_TOKEN_SECRET === DEV_TOKEN_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["RESPONSE_TOKEN_SECRET"],
        message: "the development secret is refused in production",
      });
    }
    if (c.NODE_ENV === "production" && c.RESTRICTED_DATA_KEYS.has("dev")) {
      ctx.addIssue({
        code: "custom",
        path: ["RESTRICTED_DATA_KEYS"],
        message: "the development key is refused in production",
      });
    }
  });

export type Config = z.infer<typeof schema>;

/** Teams' settings when Teams is on, else undefined. */
export function teamsSettings(c: Config) {
  if (!c.TEAMS_REFERRALS_CHANNEL) return undefined;
  return {
    ...(c.TEAMS_CLIENT_ID && c.TEAMS_CLIENT_SECRET
      ? {
          credentials: {
            clientId: c.TEAMS_CLIENT_ID,
            clientSecret: c.TEAMS_CLIENT_SECRET,
            ...(c.TEAMS_TENANT_ID ? { tenantId: c.TEAMS_TENANT_ID } : {}),
          },
        }
      : {}),
    allowUnauthenticated: c.TEAMS_LOCAL_MODE,
    serviceUrl: c.TEAMS_SERVICE_URL,
    referralsChannel: c.TEAMS_REFERRALS_CHANNEL,
    artUserIds: c.TEAMS_ART_USER_IDS,
    seniorUserIds: c.TEAMS_SENIOR_USER_IDS,
    ...(c.TEAMS_ART_GROUP_ID ? { artGroupId: c.TEAMS_ART_GROUP_ID } : {}),
    ...(c.TEAMS_SENIOR_GROUP_ID ? { seniorGroupId: c.TEAMS_SENIOR_GROUP_ID } : {}),
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
