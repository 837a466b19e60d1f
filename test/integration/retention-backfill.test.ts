// The migration that added Referral.closedAt fills it in for referrals closed before it existed: from the audit
// row of the transition that closed them, else placedAt, else the last update.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import { isolatedEnv } from "../helpers/env.js";

const migration = readFileSync("prisma/migrations/20261130061250_retention_and_erasure/migration.sql", "utf8");
const backfill = migration.slice(migration.indexOf("UPDATE"));
let db: Db;

beforeAll(async () => {
  ({ db } = await isolatedEnv("backfill"));
});
afterAll(() => db?.$disconnect());

async function referral(reference: string, status: string, placedAt: Date | null, audit?: { to: string; at: Date }) {
  const lot = await db.lot.upsert({ where: { number: 1 }, update: {}, create: { number: 1, name: "Lot 1" } });
  const r = await db.referral.create({
    data: {
      reference,
      lotId: lot.id,
      status: status as never,
      ageYears: 12,
      gender: "male",
      needCodes: [],
      ehcp: false,
      legalStatus: "s20",
      area: "PE1",
      urgency: "standard",
      requiredBy: new Date("2026-01-01"),
      summary: "s",
      restrictedEnvelope: "v1.x",
      createdBy: "test",
      placedAt,
    },
  });
  if (audit)
    await db.auditEvent.create({
      data: {
        referralId: r.id,
        actor: "system",
        action: "referral.x",
        detail: { from: "open", to: audit.to },
        at: audit.at,
      },
    });
  return r.id;
}

describe("closedAt backfill", () => {
  it("takes the closing transition's audit time, else placedAt, else updatedAt; leaves live referrals alone", async () => {
    const withdrawn = await referral("B-1", "withdrawn", null, {
      to: "withdrawn",
      at: new Date("2026-02-03T10:00:00Z"),
    });
    const placed = await referral("B-2", "placed", new Date("2026-03-04T10:00:00Z"));
    const expired = await referral("B-3", "expired", null);
    const live = await referral("B-4", "open", null, { to: "open", at: new Date("2026-01-01T00:00:00Z") });
    await db.$executeRawUnsafe(backfill);
    const closedAt = async (id: string) => (await db.referral.findUniqueOrThrow({ where: { id } })).closedAt;
    expect(await closedAt(withdrawn)).toEqual(new Date("2026-02-03T10:00:00Z"));
    expect(await closedAt(placed)).toEqual(new Date("2026-03-04T10:00:00Z"));
    const row = await db.referral.findUniqueOrThrow({ where: { id: expired } });
    expect(row.closedAt).toEqual(row.updatedAt);
    expect(await closedAt(live)).toBeNull();
  });
});
