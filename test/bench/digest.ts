// npm run bench:digest: time to build the daily digest over 10,000 unplaced referrals (BENCH_REFERRALS; plus a
// fifth as many closed ones) across five lots, with rounds, five deliveries each (some failed), offers, declines
// and decisions. Prints the bench row (a JSON line) with the median of several builds, and the chart's rendering
// time and size in its detail.
import "../setup/no-egress.js";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { createDb, type Prisma } from "../../src/db.js";
import { buildDigest } from "../../src/digest/build.js";
import { renderDigestChart } from "../../src/digest/chart.js";
import { digestText } from "../../src/digest/plain-text.js";
import { createLogger } from "../../src/logger.js";
import { migrateDatabase } from "../../src/migrate.js";
import { ensureLots } from "../../src/providers/directory.js";
import { emit, round } from "./lib/harness.js";

const OPEN = Number(process.env.BENCH_REFERRALS ?? 10_000);
const CLOSED = Math.round(OPEN / 5);
const RUNS = 7;
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const run = `rb_bench_digest_${randomBytes(3).toString("hex")}`;
const url = new URL(ADMIN);
url.pathname = `/${run}`;

await migrateDatabase(url.toString(), createLogger({ level: "warn" }));
const config = loadConfig({
  NODE_ENV: "test",
  DATABASE_URL: url.toString(),
  MIGRATE_ON_START: "false",
  LOG_LEVEL: "warn",
});
const db = createDb(config.DATABASE_URL);
const now = new Date("2026-11-23T08:30:00Z");
const DAY = 86_400_000;
// A fixed pseudo-random sequence, so every run seeds the same shape.
let seed = 42;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const chunks = async <T>(rows: T[], write: (part: T[]) => Promise<unknown>) => {
  for (let i = 0; i < rows.length; i += 5000) await write(rows.slice(i, i + 5000));
};

const tSeed = performance.now();
await ensureLots(db);
const lots = await db.lot.findMany();
const providers = Array.from({ length: 200 }, (_, i) => ({
  id: randomUUID(),
  name: `Bench Home ${i}`,
  email: `p${i}@bench.example`,
  needsCovered: ["SEMH"],
}));
await db.provider.createMany({ data: providers });
await db.providerLot.createMany({
  data: providers.map((p, i) => ({ providerId: p.id, lotId: lots[i % lots.length]!.id })),
});

const referrals: Prisma.ReferralCreateManyInput[] = [];
const rounds: {
  id: string;
  referralId: string;
  number: number;
  openedAt: Date;
  closesAt: Date;
  closedAt: Date | null;
}[] = [];
const deliveries: {
  id: string;
  roundId: string;
  providerId: string;
  channel: "email";
  state: "delivered" | "failed";
  lastError: string | null;
  tokenHash: string;
  tokenExpiresAt: Date;
}[] = [];
const responses: {
  id: string;
  deliveryId: string;
  referralId: string;
  providerId: string;
  type: "offer" | "decline";
  weeklyCostPence: number | null;
  declineReason: "no_vacancy" | null;
  idempotencyKey: string;
  createdAt: Date;
}[] = [];
const decisions: { referralId: string; responseId: string; kind: "reject"; decidedBy: string }[] = [];
for (let i = 0; i < OPEN + CLOSED; i++) {
  const id = randomUUID();
  const createdAt = new Date(now.getTime() - Math.floor(rand() * 30 * DAY));
  const status =
    i >= OPEN
      ? pick(["placed", "withdrawn", "expired"] as const)
      : pick(["open", "open", "offers_received", "offers_received", "recirculated"] as const);
  referrals.push({
    id,
    reference: `B-2026-${String(i).padStart(5, "0")}`,
    lotId: pick(lots).id,
    status,
    ageYears: 5 + Math.floor(rand() * 12),
    gender: pick(["female", "male"]),
    needCodes: [pick(["SEMH", "ASD", "SLCN", "MLD"])],
    ehcp: rand() < 0.5,
    legalStatus: "s31",
    area: pick(["PE1", "PE2", "CB22", "CB1"]),
    urgency: rand() < 0.03 ? "emergency" : "standard",
    // From ten days ago to seven weeks ahead.
    requiredBy: new Date(Date.UTC(2026, 10, 23) + Math.floor(rand() * 60 - 10) * DAY),
    summary: "Bench referral",
    restrictedEnvelope: "v1.bench",
    createdBy: "bench",
    createdAt,
  });
  // The current round, as the sweep keeps it: opened within the last week, closing within the next.
  const roundId = randomUUID();
  const openedAt = new Date(Math.max(createdAt.getTime(), now.getTime() - Math.floor(rand() * 7 * DAY)));
  const closesAt = new Date(openedAt.getTime() + 7 * DAY);
  const number = 1 + Math.floor((openedAt.getTime() - createdAt.getTime()) / (7 * DAY));
  rounds.push({ id: roundId, referralId: id, number, openedAt, closesAt, closedAt: i >= OPEN ? now : null });
  for (let k = 0; k < 5; k++) {
    const provider = providers[(i * 5 + k) % providers.length]!;
    const deliveryId = randomUUID();
    const failed = rand() < 0.01;
    deliveries.push({
      id: deliveryId,
      roundId,
      providerId: provider.id,
      channel: "email",
      state: failed ? "failed" : "delivered",
      lastError: failed ? "the mail server refused the message" : null,
      tokenHash: randomBytes(16).toString("hex"),
      tokenExpiresAt: closesAt,
    });
    if (!failed && status !== "open" && rand() < 0.4) {
      const offer = rand() < 0.6;
      const responseId = randomUUID();
      responses.push({
        id: responseId,
        deliveryId,
        referralId: id,
        providerId: provider.id,
        type: offer ? "offer" : "decline",
        weeklyCostPence: offer ? 90_000 + Math.floor(rand() * 500_000) : null,
        declineReason: offer ? null : "no_vacancy",
        idempotencyKey: responseId,
        createdAt: new Date(createdAt.getTime() + DAY),
      });
      if (offer && rand() < 0.3) decisions.push({ referralId: id, responseId, kind: "reject", decidedBy: "bench" });
    }
  }
}
await chunks(referrals, (part) => db.referral.createMany({ data: part }));
await chunks(rounds, (part) => db.round.createMany({ data: part }));
await chunks(deliveries, (part) => db.delivery.createMany({ data: part }));
await chunks(responses, (part) => db.response.createMany({ data: part }));
await chunks(decisions, (part) => db.decision.createMany({ data: part }));
await db.$executeRawUnsafe("ANALYZE");
const seedMs = Math.round(performance.now() - tSeed);

await buildDigest(db, now); // warm-up: connections, plans
const times: number[] = [];
let digest = await buildDigest(db, now);
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  digest = await buildDigest(db, now);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const tChart = performance.now();
const chart = await renderDigestChart(digest);
const chartFirstMs = performance.now() - tChart;
const tChart2 = performance.now();
await renderDigestChart(digest);
const chartMs = performance.now() - tChart2;

const buildMs = times[Math.floor(RUNS / 2)]!;
emit({
  row: `digest over ${OPEN.toLocaleString("en-GB")} unplaced referrals`,
  figure: buildMs,
  unit: "ms",
  reference: null,
  referenceLabel: "",
  goal: "< 300 ms",
  met: buildMs < 300,
  detail: {
    closedReferrals: CLOSED,
    deliveries: deliveries.length,
    responses: responses.length,
    seedMs,
    runs: RUNS,
    buildMinMs: round(times[0]!),
    buildMaxMs: round(times.at(-1)!),
    chartFirstMs: Math.round(chartFirstMs),
    chartMs: Math.round(chartMs),
    chartBytes: chart.png.length,
    unplacedInDigest: digest.unplaced,
    sectionTotals: Object.fromEntries(digest.sections.map((s) => [s.key, s.total])),
    textChars: digestText(digest).length,
  },
});

await db.$disconnect();
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`);
await admin.end();
