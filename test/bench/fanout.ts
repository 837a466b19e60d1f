// npm run bench: time to fan a referral out to 500 webhook providers on loopback (receivers verify every
// signature), through the real outbox, relay, queues, workers and webhook channel. Prints a JSON line.
import "../setup/no-egress.js";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { loadConfig } from "../../src/config.js";
import { createDb } from "../../src/db.js";
import { createLogger } from "../../src/logger.js";
import { startService } from "../../src/main.js";
import { migrateDatabase } from "../../src/migrate.js";
import { systemClock } from "../../src/ports.js";
import { ensureLots } from "../../src/providers/directory.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";

const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 500);
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const run = `rb_bench_${randomBytes(3).toString("hex")}`;
const url = new URL(ADMIN);
url.pathname = `/${run}`;

const logger = createLogger({ level: "warn" });
await migrateDatabase(url.toString(), logger);
const config = loadConfig({
  NODE_ENV: "test",
  DATABASE_URL: url.toString(),
  REDIS_PREFIX: run,
  MIGRATE_ON_START: "false",
  LOG_LEVEL: "warn",
  // The receivers are on loopback, which webhooks may only reach with this development setting.
  WEBHOOK_ALLOW_LOOPBACK: "true",
  WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? "100",
  DESTINATION_CONCURRENCY: "100",
  DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? "20",
});
const db = createDb(config.DATABASE_URL);
const receivers = new WebhookReceivers();
await receivers.start();
await ensureLots(db);
const lot = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
await db.provider.createMany({
  data: Array.from({ length: PROVIDERS }, (_, i) => ({
    name: `Bench ${i}`,
    webhookUrl: receivers.urlFor(`/p${i}`),
    webhookSecret: receivers.secretFor(`/p${i}`),
    needsCovered: ["SEMH"],
  })),
});
const ids = await db.provider.findMany({ select: { id: true } });
await db.providerLot.createMany({ data: ids.map((p) => ({ providerId: p.id, lotId: lot.id })) });
const service = await startService({
  config,
  logger,
  role: "worker",
  channels: { webhook: new WebhookChannel({ timeoutMs: 10_000, allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK }) },
});

const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(2), { id: "bench", art: false });
const tRaised = performance.now();
await eventually(() => receivers.uniqueAccepted().size >= PROVIDERS, "all received", 300_000);
const tReceived = performance.now();
await eventually(
  async () => (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === PROVIDERS,
  "all recorded",
  300_000,
);
const tRecorded = performance.now();

const result = {
  benchmark: "fanout-webhook-loopback",
  providers: PROVIDERS,
  workerConcurrency: config.WORKER_CONCURRENCY,
  raiseMs: Math.round(tRaised - t0),
  allReceivedMs: Math.round(tReceived - t0),
  allRecordedMs: Math.round(tRecorded - t0),
  deliveriesPerSecond: Math.round(PROVIDERS / ((tRecorded - t0) / 1000)),
  duplicates: receivers.accepted.length - receivers.uniqueAccepted().size,
  badSignatures: receivers.badSignatures.length,
  rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6),
};
process.stdout.write(`${JSON.stringify(result)}\n`);

await service.close();
await db.$disconnect();
await receivers.stop();
const redis = new Redis(config.REDIS_URL);
const keys = await redis.keys(`${run}*`);
if (keys.length) await redis.del(...keys);
await redis.quit();
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`);
await admin.end();
