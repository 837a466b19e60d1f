// npm run bench:chat-latency: how long an offer takes to appear in its Slack thread when the thread is quiet,
// through the real service (response link, outbox, relay, queues, chat sync) against a local fake of Slack's Web
// API. Offers are sent one at a time, each after the thread has been idle for two coalescing windows. Prints a
// JSON line with the median and 95th percentile.
import "../setup/no-egress.js";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { loadConfig } from "../../src/config.js";
import { createDb } from "../../src/db.js";
import { createLogger } from "../../src/logger.js";
import { migrateDatabase } from "../../src/migrate.js";
import { systemClock } from "../../src/ports.js";
import { ensureLots } from "../../src/providers/directory.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { responseTokenFor, responseUrlFor } from "../../src/responses/tokens.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { freePort, startTestService } from "../helpers/service.js";
import { FakeSlackApi } from "../helpers/slack.js";

const OFFERS = Number(process.env.BENCH_OFFERS ?? 30);
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TOKEN = "xoxb-bench-token";
const CHANNEL = "C0REFERRALS";
const run = `rb_bench_${randomBytes(3).toString("hex")}`;
const url = new URL(ADMIN);
url.pathname = `/${run}`;

const logger = createLogger({ level: "warn" });
await migrateDatabase(url.toString(), logger);
const slack = new FakeSlackApi(TOKEN);
await slack.start();
const port = await freePort();
const config = loadConfig({
  NODE_ENV: "test",
  DATABASE_URL: url.toString(),
  REDIS_PREFIX: run,
  MIGRATE_ON_START: "false",
  LOG_LEVEL: "warn",
  PORT: String(port),
  PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  WEBHOOK_ALLOW_LOOPBACK: "true",
  SLACK_SIGNING_SECRET: "slack-signing-secret-for-bench",
  SLACK_BOT_TOKEN: TOKEN,
  SLACK_API_URL: slack.url,
  SLACK_REFERRALS_CHANNEL: CHANNEL,
  SLACK_ART_USER_IDS: "UART1",
});
const db = createDb(config.DATABASE_URL);
const receivers = new WebhookReceivers();
await receivers.start();
await ensureLots(db);
const lot = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
for (let i = 0; i < OFFERS; i++) {
  await db.provider.create({
    data: {
      name: `Latency Home ${i}`,
      webhookUrl: receivers.urlFor(`/l${i}`),
      webhookSecret: receivers.secretFor(`/l${i}`),
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
}
const service = await startTestService({
  config,
  logger,
  channels: { webhook: new WebhookChannel({ timeoutMs: 5000, allowLoopback: true }) },
});

const r = await raiseReferral(
  { db, clock: systemClock, config },
  referralInput(2),
  { id: "bench", art: false },
  {
    chatLink: { platform: "slack", channelId: CHANNEL },
  },
);
const link = () => db.chatLink.findFirstOrThrow({ where: { referralId: r.id } });
await eventually(
  async () => (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === OFFERS,
  "all delivered",
  120_000,
);
const quiet = async () => {
  await eventually(async () => (await link()).dirtySince === null, "thread in sync", 60_000);
  // Two windows with nothing new: no sync pending or running for this thread.
  await new Promise((res) => setTimeout(res, 2 * config.CHAT_COALESCE_MS + 200));
};
const threadTs = async () => (await link()).threadId!;
const deliveries = await db.delivery.findMany({ where: { round: { referralId: r.id } } });
const latencies: number[] = [];
for (const [i, d] of deliveries.entries()) {
  await quiet();
  const ts = await threadTs();
  const cost = 7000 + i;
  const sent = Date.now();
  const res = await fetch(responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, d.id)), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "offer",
      weeklyCostGbp: cost,
      startDate: londonDaysAfter(new Date(), 10),
      needsMet: "Ready",
    }),
  });
  if (res.status !== 201) throw new Error(`offer ${i}: HTTP ${res.status}`);
  const shown = () =>
    slack
      .of("chat.postMessage")
      .find(
        (c) => c.args.thread_ts === ts && JSON.stringify(c.args.blocks).includes(`£${cost.toLocaleString("en-GB")}`),
      );
  await eventually(() => Boolean(shown()), `offer ${i} in the thread`, 60_000);
  latencies.push(shown()!.at - sent);
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
process.stdout.write(
  `${JSON.stringify({
    benchmark: "chat-latency-slack-quiet-thread",
    offers: latencies.length,
    coalesceMs: config.CHAT_COALESCE_MS,
    channelIntervalMs: config.CHAT_CHANNEL_INTERVAL_MS,
    medianMs: at(0.5),
    p95Ms: at(0.95),
    minMs: sorted[0],
    maxMs: sorted.at(-1),
  })}\n`,
);

await service.close();
await db.$disconnect();
await receivers.stop();
await slack.stop();
const redis = new Redis(config.REDIS_URL);
const keys = await redis.keys(`${run}*`);
if (keys.length) await redis.del(...keys);
await redis.quit();
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`);
await admin.end();
