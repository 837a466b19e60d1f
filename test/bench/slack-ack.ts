// npm run bench:slack-ack: how fast the web role answers (acks) Slack. Starts the web role as its own process
// (through the bin, as `npm run start:web` does) against a local fake of Slack's Web API, then sends batches of
// 100 concurrent signed /referral commands and 100 concurrent button clicks (Approve on an unknown offer: the
// handler does its database work and a notice after the ack), with 20 GET /healthz in the same batch as the
// reference. Prints one JSON line: p99 per kind over all batches, and the worst batch's p99.
import "../setup/no-egress.js";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { createLogger } from "../../src/logger.js";
import { migrateDatabase } from "../../src/migrate.js";
import { eventually } from "../helpers/receivers.js";
import { freePort } from "../helpers/service.js";
import { blockAction, commandBody, FakeSlackApi, signedSlackRequest } from "../helpers/slack.js";

const BATCHES = Number(process.env.BENCH_BATCHES ?? 10);
const PER_BATCH = 100;
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const SECRET = "slack-signing-secret-for-bench";
const TOKEN = "xoxb-bench-token";
const run = `rb_bench_ack_${randomBytes(3).toString("hex")}`;
const url = new URL(ADMIN);
url.pathname = `/${run}`;

await migrateDatabase(url.toString(), createLogger({ level: "warn" }));
const slack = new FakeSlackApi(TOKEN);
await slack.start();
const port = await freePort();
const child = spawn(process.execPath, ["src/bin/referral-bot.mjs", "serve", "--role", "web"], {
  env: {
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: url.toString(),
    REDIS_PREFIX: run,
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "warn",
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    RATE_LIMIT_INBOUND: "0",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
    SLACK_ART_USER_IDS: "UART1",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
await eventually(
  async () => {
    try {
      return (await fetch(`${base}/readyz`)).ok;
    } catch {
      return false;
    }
  },
  "web role ready",
  120_000,
);

let failed = 0;
/** Milliseconds to the answer; a refused or reset request counts as failed and as a very slow answer. */
const timed = async (send: () => Promise<{ status: number }>) => {
  const t = performance.now();
  try {
    const { status } = await send();
    if (status !== 200) failed++;
    return performance.now() - t;
  } catch {
    failed++;
    return Number.POSITIVE_INFINITY;
  }
};
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.99 * xs.length) - 1]!;
const kinds = { command: [] as number[], action: [] as number[], healthz: [] as number[] };
const worst = { command: 0, action: 0, healthz: 0 };
const events = `${base}/slack/events`;
// One warm-up batch (first requests load code paths and open connections), not counted.
for (let b = -1; b < BATCHES; b++) {
  const batch = await Promise.all([
    ...Array.from({ length: PER_BATCH }, (_, i) =>
      timed(() => signedSlackRequest(events, SECRET, commandBody(`U${b}x${i}`))).then((ms) => ["command", ms] as const),
    ),
    ...Array.from({ length: PER_BATCH }, () =>
      timed(() => signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", randomUUID()))).then(
        (ms) => ["action", ms] as const,
      ),
    ),
    ...Array.from({ length: 20 }, () =>
      timed(async () => {
        const res = await fetch(`${base}/healthz`);
        await res.text();
        return res;
      }).then((ms) => ["healthz", ms] as const),
    ),
  ]);
  if (b < 0) continue;
  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
    const xs = batch.filter(([k]) => k === kind).map(([, ms]) => ms);
    kinds[kind].push(...xs);
    worst[kind] = Math.max(worst[kind], p99(xs));
  }
  // Let the batch's after-ack work drain, with jitter so that batches do not line up with any timer.
  await new Promise((r) => setTimeout(r, 1000 + Math.random() * 500));
}
const round = (ms: number) => Math.round(ms);
process.stdout.write(
  `${JSON.stringify({
    benchmark: "slack-ack",
    batches: BATCHES,
    perBatch: PER_BATCH,
    failed,
    p99Ms: { command: round(p99(kinds.command)), action: round(p99(kinds.action)), healthz: round(p99(kinds.healthz)) },
    worstBatchP99Ms: { command: round(worst.command), action: round(worst.action), healthz: round(worst.healthz) },
  })}\n`,
);

child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await slack.stop();
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const keys = await redis.keys(`${run}*`);
if (keys.length) await redis.del(...keys);
await redis.quit();
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`);
await admin.end();
