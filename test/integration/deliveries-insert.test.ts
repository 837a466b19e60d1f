// A round's deliveries are written in one INSERT over arrays (src/delivery/plan-round.ts), outside Prisma's
// createMany: every column as Prisma would have written it, the times in UTC whatever the session's time zone.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { createDb, type Db, poolOf } from "../../src/db.js";
import { claimDelivery, claimPendingDelivery } from "../../src/delivery/claim.js";
import { finishDelivered } from "../../src/delivery/finish.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { hashToken, responseTokenFor } from "../../src/responses/tokens.js";
import { freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { referralInput } from "../helpers/referrals.js";

let db: Db;
let config: Config;

// Its own database, whose sessions run in another time zone: the stored times must not shift with it.
beforeAll(async () => {
  const env = await isolatedEnv("dinsert");
  config = env.config;
  await env.db.$executeRawUnsafe(
    `ALTER DATABASE "${new URL(config.DATABASE_URL).pathname.slice(1)}" SET timezone TO 'America/New_York'`,
  );
  await env.db.$disconnect();
  db = createDb(config.DATABASE_URL, { poolSize: 2 });
  expect(await db.$queryRaw`SHOW timezone`).toEqual([{ TimeZone: "America/New_York" }]);
});
afterAll(async () => {
  await db.$disconnect();
});

it("stores each delivery pending, on its channel, with its token's hash and the round's closing time", async () => {
  const lot = await freshLot(db);
  const byWebhook = await db.provider.create({
    data: {
      name: "Insert Hook",
      webhookUrl: "https://hook.provider.example/referrals",
      webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  const byEmail = await db.provider.create({
    data: {
      name: "Insert Mail",
      email: "mail@provider.example",
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  const before = Date.now();
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
  const round = await db.round.findFirstOrThrow({ where: { referralId: r.id } });
  const deliveries = await db.delivery.findMany({ where: { roundId: round.id } });
  expect(deliveries).toHaveLength(2);
  for (const d of deliveries) {
    expect(d.state).toBe("pending");
    expect(d.attempts).toBe(0);
    expect(d.channel).toBe(d.providerId === byWebhook.id ? "webhook" : "email");
    expect(d.tokenHash).toBe(hashToken(responseTokenFor(config.RESPONSE_TOKEN_SECRET, d.id)));
    expect(d.tokenExpiresAt.toISOString()).toBe(round.closesAt.toISOString());
    expect(d.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(d.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(d.updatedAt.getTime()).toBe(d.createdAt.getTime());
  }
  expect(new Set(deliveries.map((d) => d.providerId))).toEqual(new Set([byWebhook.id, byEmail.id]));
});

it("claims and finishes a delivery on the pool's own statements, reading and writing times in UTC", async () => {
  const lot = await freshLot(db);
  await db.provider.create({
    data: {
      name: "Claim Mail",
      email: "claim@provider.example",
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
  const round = await db.round.findFirstOrThrow({ where: { referralId: r.id } });
  const due = await db.delivery.findFirstOrThrow({ where: { roundId: round.id } });
  const at = new Date("2026-11-30T12:34:56.789Z");
  const claimed = await claimDelivery(db, due.id, at);
  expect(claimed?.round.closesAt.toISOString()).toBe(round.closesAt.toISOString());
  expect(claimed?.round.openedAt.toISOString()).toBe(round.openedAt.toISOString());
  expect(await db.delivery.findUniqueOrThrow({ where: { id: due.id } })).toMatchObject({
    state: "sending",
    attempts: 1,
    updatedAt: at,
  });
  // The round's only delivery: finishing it finishes the fan-out.
  expect(await finishDelivered(db, due.id, round.id, at)).toBe(true);
  expect(await db.delivery.findUniqueOrThrow({ where: { id: due.id } })).toMatchObject({
    state: "delivered",
    deliveredAt: at,
  });
  expect(await claimDelivery(db, due.id, at)).toBeUndefined();
});

it("knows the round's last delivery when the last two finish at the same moment", async () => {
  const lot = await freshLot(db);
  for (const name of ["Tail One", "Tail Two"]) {
    await db.provider.create({
      data: {
        name,
        email: `${name.replace(" ", ".")}@provider.example`,
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
  }
  // Each time, both finish at once, as two worker processes would (each its own pool, so not in one batch): each
  // statement sees the other still due, so only the ask after the commit can tell that the round is done. At
  // least one of the two must know it finished the fan-out.
  const other = createDb(config.DATABASE_URL, { poolSize: 2 });
  try {
    for (let i = 0; i < 15; i++) {
      const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
      const round = await db.round.findFirstOrThrow({ where: { referralId: r.id } });
      const [a, b] = await db.delivery.findMany({ where: { roundId: round.id } });
      const at = new Date();
      await claimDelivery(db, a!.id, at);
      await claimDelivery(db, b!.id, at);
      const lasts = await Promise.all([
        finishDelivered(db, a!.id, round.id, at),
        finishDelivered(other, b!.id, round.id, at),
      ]);
      expect(lasts).toContain(true);
    }
  } finally {
    await other.$disconnect();
  }
});

/** A referral raised to a fresh lot with `count` email providers: its round and deliveries (by id). */
async function raisedTo(count: number, tag: string) {
  const lot = await freshLot(db);
  for (let i = 0; i < count; i++) {
    await db.provider.create({
      data: {
        name: `${tag} ${i}`,
        email: `${tag.toLowerCase()}${i}@provider.example`,
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
  }
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
  const round = await db.round.findFirstOrThrow({ where: { referralId: r.id } });
  const due = await db.delivery.findMany({ where: { roundId: round.id }, orderBy: { id: "asc" } });
  expect(due).toHaveLength(count);
  return { r, round, due };
}

/** Counts the statements the pool runs until `restore` is called. */
function countStatements() {
  const pool = poolOf(db);
  const query = pool.query.bind(pool);
  const counter = { statements: 0, restore: () => (pool.query = query) };
  pool.query = ((...args: Parameters<typeof query>) => {
    counter.statements++;
    return query(...args);
  }) as typeof pool.query;
  return counter;
}

it("claims and finishes deliveries asked for at the same moment in shared statements, each for its own", async () => {
  const { round, due } = await raisedTo(12, "Batch");
  const counter = countStatements();
  try {
    const at = new Date("2026-11-30T10:00:00.000Z");
    // The first goes alone; the other eleven, and one of them asked for twice, wait for it and go together.
    const [x, ...rest] = due;
    const claims = await Promise.all([
      claimDelivery(db, x!.id, at),
      ...rest.map((d) => claimDelivery(db, d.id, at)),
      claimDelivery(db, rest[0]!.id, at),
    ]);
    expect(counter.statements).toBe(2);
    expect(claims.slice(0, 12).map((c) => c?.id)).toEqual(due.map((d) => d.id));
    expect(claims.slice(0, 12).map((c) => c?.provider.email)).toEqual(
      await Promise.all(
        due.map(async (d) => (await db.provider.findUniqueOrThrow({ where: { id: d.providerId } })).email),
      ),
    );
    // Asked for twice in one batch: claimed once, by the first to ask.
    expect(claims[12]).toBeUndefined();
    const rows = await db.delivery.findMany({ where: { roundId: round.id } });
    expect(rows.map((d) => [d.state, d.attempts])).toEqual(rows.map(() => ["sending", 1]));

    counter.statements = 0;
    const lasts = await Promise.all(due.map((d, i) => finishDelivered(db, d.id, round.id, new Date(at.getTime() + i))));
    expect(counter.statements).toBeLessThanOrEqual(3);
    // One of them, and only one, finished the fan-out.
    expect(lasts.filter(Boolean)).toHaveLength(1);
    const done = await db.delivery.findMany({ where: { roundId: round.id }, orderBy: { id: "asc" } });
    expect(done.map((d) => d.state)).toEqual(due.map(() => "delivered"));
    // Each with its own time, in UTC.
    expect(done.map((d) => d.deliveredAt?.getTime())).toEqual(due.map((_, i) => at.getTime() + i));
  } finally {
    counter.restore();
  }
});

it("claims the pending deliveries of send jobs taken over at the same moment in one statement, never one being sent", async () => {
  const { r, round, due } = await raisedTo(8, "Lane");
  // One is already being sent (by its own job): a take-over must leave it alone.
  const at = new Date("2026-11-30T11:00:00.000Z");
  await claimDelivery(db, due[7]!.id, at);
  const counter = countStatements();
  try {
    const job = (d: (typeof due)[number]) => ({ referralId: r.id, round: round.number, providerId: d.providerId });
    // The first goes alone; the other seven (one of them asked for twice) wait for it and go together.
    const claims = await Promise.all([
      ...due.map((d, i) => claimPendingDelivery(db, job(d), new Date(at.getTime() + i))),
      claimPendingDelivery(db, job(due[1]!), at),
    ]);
    expect(counter.statements).toBe(2);
    expect(claims.slice(0, 7).map((c) => c?.id)).toEqual(due.slice(0, 7).map((d) => d.id));
    expect(claims.slice(0, 7).map((c) => c?.round.referral.reference)).toEqual(due.slice(0, 7).map(() => r.reference));
    // Being sent already, and asked for twice in one batch: neither claimed again.
    expect(claims[7]).toBeUndefined();
    expect(claims[8]).toBeUndefined();
    const rows = await db.delivery.findMany({ where: { roundId: round.id }, orderBy: { id: "asc" } });
    expect(rows.map((d) => [d.state, d.attempts])).toEqual(rows.map(() => ["sending", 1]));
    // Timed at the latest of the batch, in UTC.
    expect(rows[2]!.updatedAt.getTime()).toBe(at.getTime() + 7);
  } finally {
    counter.restore();
  }
});
