// The one place that reads the environment. Everything is validated at start-up so a bad setting stops the
// process with one clear line per problem, instead of failing later in the middle of a referral. The settings
// of delivery, chat and operations are defined beside it (src/config/) and read here, in one schema.

import { z } from "zod";
import { chatSettings, checkChatSettings } from "./config/chat.js";
import { checkDeliverySettings, deliverySettings } from "./config/delivery.js";
import { documentSettings } from "./config/documents.js";
import {
  bool,
  cronPattern,
  DEV_DATA_KEYS,
  DEV_KEY_BYTES,
  DEV_TOKEN_SECRET,
  intFrom,
  isDevelopment,
  keyRing,
  ONLY_IN_DEVELOPMENT,
  port,
  postgresUrl,
  trustProxy,
} from "./config/fields.js";
import { checkHandoffSettings, handoffSettings } from "./config/handoff.js";
import { checkIntakeSettings, intakeSettings } from "./config/intake.js";
import { nudgeSettings } from "./config/nudges.js";
import { operationsSettings } from "./config/operations.js";
import { ConfigError } from "./errors.js";
import { parseApiTokens } from "./http/api-tokens.js";

export { teamsServiceUrlPolicy, teamsSettings } from "./config/chat.js";
export { DEV_DATA_KEYS, DEV_TOKEN_SECRET } from "./config/fields.js";

const schema = z
  .object({
    // Unset means production: the published development key and secret, and Teams local mode, need an explicit
    // NODE_ENV=development or test (the demo and the test helpers set it themselves).
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    DATABASE_URL: postgresUrl("postgresql://postgres@127.0.0.1:5432/referral_bot"),
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
    PORT: port(3000),
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
    TRUST_PROXY: trustProxy,
    // Requests per client address per window, counted in Redis across web instances; 0 = no limit. Generous
    // defaults: a provider system or Slack/Teams answering many referrals from one address must not be throttled.
    RATE_LIMIT_WINDOW_MS: intFrom(60_000, 1000),
    RATE_LIMIT_RESPONSE_LINKS: intFrom(600), // GET|POST /r/<token>
    RATE_LIMIT_API: intFrom(300), // /api/v1/*
    RATE_LIMIT_INBOUND: intFrom(1200), // POST /inbound/email, /slack/events, /api/messages
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
    // Tiered matching (src/matching/gate.ts): round 1 goes to tier 1 providers first, the next tier after each
    // head start (0 = every tier at once). A lot whose providers are all on tier 1 is never held back.
    TIER_HEAD_START_HOURS: intFrom(24),
    TIER_HEAD_START_EMERGENCY_MINUTES: intFrom(60),
    // Vacancy-first: for this long, round 1 goes only to providers with a confirmed vacancy fitting the child,
    // then to the whole lot. 0 (the default) = off: vacancies are not required.
    VACANCY_FIRST_HOURS: intFrom(0),
    // A vacancy declaration counts for vacancy-first only if confirmed within this many days.
    VACANCY_FRESH_DAYS: intFrom(14, 1),
    // Providers rated inadequate by Ofsted get no referrals (the eligibility explanation says so).
    OFSTED_EXCLUDE_INADEQUATE: bool(true),
    RECONCILE_INTERVAL_MS: intFrom(15_000, 100),
    // The outbox relay is woken by PostgreSQL (LISTEN/NOTIFY) when a record commits; this poll is the safety net
    // (250 ms while the listener is down or reconnecting). A live listener misses nothing, so the net can be slow.
    OUTBOX_POLL_MS: intFrom(5000, 50),
    // Chat threads: events within this window become one update; one post per channel per interval.
    CHAT_COALESCE_MS: intFrom(1000, 50),
    CHAT_CHANNEL_INTERVAL_MS: intFrom(1100, 0),
    // The daily digest of unplaced children: when (cron in Europe/London; BST handled). Where: src/config/chat.ts.
    DIGEST_CRON: cronPattern("30 8 * * 1-5"),
    // Retention: a referral's personal data (restricted details, free text) is erased this many days after it
    // closed (placed, withdrawn or expired); the anonymised fields reporting needs stay. See docs/data-protection.md.
    RETENTION_DAYS_AFTER_CLOSE: intFrom(90, 1),
    // When the daily retention run starts: a cron pattern in Europe/London time (02:15 every day).
    RETENTION_CRON: cronPattern("15 2 * * *"),
    // How often the round clock runs (reminders, closing rounds, recirculation), as a BullMQ job scheduler.
    ROUND_SWEEP_INTERVAL_MS: intFrom(30_000, 500),
    // `npm run demo` only. Fixed ports (not "any free one") so the page's address and the demo providers'
    // webhook URLs stay the same from one start to the next; each can be moved when something else holds it.
    DEMO_CHAT_PORT: port(3978),
    DEMO_WEBHOOK_PORT: port(3979),
    DEMO_SMTP_PORT: port(3980),
    // The demo's own database, apart from DATABASE_URL's, so trying the demo never mixes sample data into it.
    DEMO_DATABASE_URL: postgresUrl("postgresql://postgres@127.0.0.1:5432/referral_bot_demo"),
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
    ...deliverySettings,
    ...chatSettings,
    ...operationsSettings,
    ...documentSettings,
    ...nudgeSettings,
    ...intakeSettings,
    ...handoffSettings,
  })
  .superRefine((c, ctx) => {
    if (!c.RESTRICTED_DATA_KEYS.has(c.RESTRICTED_DATA_ACTIVE_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["RESTRICTED_DATA_ACTIVE_KEY"],
        message: "is not a key id in RESTRICTED_DATA_KEYS",
      });
    }
    checkDeliverySettings(c, ctx);
    checkChatSettings(c, ctx);
    checkIntakeSettings(c, ctx);
    checkHandoffSettings(c, ctx);
    const development = isDevelopment(c);
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
  });

export type Config = z.infer<typeof schema>;

/** Parses the environment; throws ConfigError whose message has one line per bad or missing setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset so `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
  throw new ConfigError(lines);
}
