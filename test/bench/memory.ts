// npm run bench:memory: resident memory (RSS) of the real service processes, started the way `npm start` starts
// them, idle (after start-up and a first query) and at their peak during a fan-out to 500 webhook providers on
// loopback. Each setup runs the web and worker roles as two processes, plus one all-in-one process idle:
//   - "tsx, default heap": the TypeScript through tsx's loader with node's default heap (how the service ran before)
//   - "compiled, default heap": dist/ (npm run build) with node's default heap
//   - "compiled, sized heap": dist/ through the bin, which sizes the heap for the role (the default now)
// Needs `npm run build` first. Prints one JSON line per setup. Linux only (reads /proc).
import "../setup/no-egress.js";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { createDb } from "../../src/db.js";
import { createLogger } from "../../src/logger.js";
import { migrateDatabase } from "../../src/migrate.js";
import { systemClock } from "../../src/ports.js";
import { ensureLots } from "../../src/providers/directory.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { freePort } from "../helpers/service.js";
import { FakeSlackApi } from "../helpers/slack.js";

if (!existsSync("dist/src/cli.js")) throw new Error("run `npm run build` first");
const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 500);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TOKEN = "xoxb-bench-token";

const SETUPS: Record<string, { argv: (args: string[]) => string[]; env?: Record<string, string> }> = {
  "tsx, default heap": { argv: (a) => ["--import", "tsx/esm", "src/cli.ts", ...a] },
  "compiled, default heap": { argv: (a) => ["dist/src/cli.js", ...a] },
  "compiled, sized heap": { argv: (a) => ["src/bin/referral-bot.mjs", ...a] },
};

const rssMb = (pid: number, field: "VmRSS" | "VmHWM") => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`))!;
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
};

async function healthy(port: number) {
  await eventually(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    `ready on ${port}`,
    120_000,
  );
}

async function measure(setup: string) {
  const run = `rb_bench_mem_${randomBytes(3).toString("hex")}`;
  const url = new URL(ADMIN);
  url.pathname = `/${run}`;
  const logger = createLogger({ level: "warn" });
  await migrateDatabase(url.toString(), logger);
  const slack = new FakeSlackApi(TOKEN);
  await slack.start();
  const receivers = new WebhookReceivers();
  await receivers.start();
  const db = createDb(url.toString());
  const env = (port: number, ops: number) => ({
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: url.toString(),
    REDIS_PREFIX: run,
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "warn",
    PORT: String(port),
    METRICS_PORT: String(ops),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    // Every receiver is on 127.0.0.1: the per-destination limit would make one host the bottleneck.
    DESTINATION_CONCURRENCY: "100",
    WEBHOOK_TIMEOUT_MS: "30000",
    SLACK_SIGNING_SECRET: "slack-signing-secret-for-bench",
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
    ...SETUPS[setup]!.env,
  });
  const children: ChildProcess[] = [];
  const start = async (role: string) => {
    const [port, ops] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, SETUPS[setup]!.argv(["serve", "--role", role]), {
      env: env(port, ops),
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    await healthy(ops);
    return child;
  };
  try {
    const all = await start("all");
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const allIdle = rssMb(all.pid!, "VmRSS");
    all.kill("SIGTERM");
    await new Promise((r) => all.once("exit", r));

    const web = await start("web");
    const worker = await start("worker");
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idle = { web: rssMb(web.pid!, "VmRSS"), worker: rssMb(worker.pid!, "VmRSS") };

    await ensureLots(db);
    const lot = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
    for (let i = 0; i < PROVIDERS; i++) {
      await db.provider.create({
        data: {
          name: `Memory Home ${i}`,
          webhookUrl: receivers.urlFor(`/m${i}`),
          webhookSecret: receivers.secretFor(`/m${i}`),
          needsCovered: ["SEMH"],
          lots: { create: { lotId: lot.id } },
        },
      });
    }
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: url.toString(), REDIS_PREFIX: run });
    const r = await raiseReferral(
      { db, clock: systemClock, config },
      referralInput(2),
      { id: "bench", art: false },
      {
        chatLink: { platform: "slack", channelId: "C0REFERRALS" },
      },
    );
    await eventually(
      async () =>
        (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === PROVIDERS,
      "all delivered",
      300_000,
    );
    const peak = { web: rssMb(web.pid!, "VmHWM"), worker: rssMb(worker.pid!, "VmHWM") };
    process.stdout.write(
      `${JSON.stringify({ benchmark: "memory-rss-mb", setup, providers: PROVIDERS, idle: { ...idle, all: allIdle }, peak })}\n`,
    );
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
    await db.$disconnect();
    await receivers.stop();
    await slack.stop();
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    const keys = await redis.keys(`${run}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`);
    await admin.end();
  }
}

const only = process.env.BENCH_SETUP;
for (const setup of Object.keys(SETUPS)) if (!only || only === setup) await measure(setup);
