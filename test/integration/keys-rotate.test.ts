// Retiring a restricted-data key: `keys rotate` re-encrypts every envelope with the active key (in batches,
// idempotent, without losing a write made at the same moment), audits each row without its data, and reports the
// rows it cannot read instead of crashing; `keys status --check` fails while any row is on another key.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { decryptJson, encryptJson, keyIdOf } from "../../src/domain/crypto.js";
import { keyStatus, rotateKeys } from "../../src/keys/rotate.js";
import { systemClock } from "../../src/ports.js";
import { keyRingOf, restrictedAad } from "../../src/referrals/create.js";
import { lockReferral } from "../../src/referrals/transition.js";
import { capturingLogger, freshLot, isolatedEnv, testConfig } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";
import { eventually } from "../helpers/receivers.js";
import { makeProvider, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";

const exec = promisify(execFile);
const k1 = `k1:${randomBytes(32).toString("base64")}`;
const k2 = `k2:${randomBytes(32).toString("base64")}`;
const onK1 = { RESTRICTED_DATA_KEYS: k1, RESTRICTED_DATA_ACTIVE_KEY: "k1" };
const onK2 = { RESTRICTED_DATA_KEYS: `${k1},${k2}`, RESTRICTED_DATA_ACTIVE_KEY: "k2" };
const k1Retired = { RESTRICTED_DATA_KEYS: k2, RESTRICTED_DATA_ACTIVE_KEY: "k2" };
let db: Db;
let config: Config;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("keys", onK1));
});
afterAll(() => db?.$disconnect());

const ring = (env: Record<string, string>) => keyRingOf(testConfig({ ...env, DATABASE_URL: config.DATABASE_URL }));
const logger = capturingLogger().logger;

async function referralsOnK1(n: number) {
  const lot = await freshLot(db);
  const p = await makeProvider(db, lot.id);
  const made: { id: string; childName: string }[] = [];
  for (let i = 0; i < n; i++) {
    const childName = `Child ${i} ${randomBytes(3).toString("hex")}`;
    const r = await openReferralWithDeliveries(
      { db, clock: systemClock, config },
      lot.number,
      [p.id],
      referralInput(lot.number, {}, { childName }),
    );
    made.push({ id: r.id, childName });
  }
  return made;
}
const envelopes = async () =>
  new Map(
    (await db.referral.findMany({ select: { id: true, restrictedEnvelope: true } })).map((r) => [
      r.id,
      r.restrictedEnvelope,
    ]),
  );
const childNameOf = (envelope: string, id: string, env: Record<string, string>) =>
  (decryptJson(ring(env), envelope, restrictedAad(id)) as { childName: string }).childName;

async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
      { env: { ...process.env, ...envOf(config, env) } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("restricted-data key rotation", () => {
  it("re-encrypts every envelope with the active key, same data, audited without it; a second run does nothing", async () => {
    const made = await referralsOnK1(5);
    expect((await keyStatus(db, "k2")).byKey).toEqual({ k1: 5 });

    const first = await rotateKeys({ db, clock: systemClock, keyRing: ring(onK2), logger }, { batchSize: 2 });
    expect(first).toMatchObject({ reencrypted: 5, unreadable: [] });
    const after = await envelopes();
    for (const m of made) {
      expect(keyIdOf(after.get(m.id)!)).toBe("k2");
      expect(childNameOf(after.get(m.id)!, m.id, onK2)).toBe(m.childName);
    }
    const status = await keyStatus(db, "k2");
    expect(status).toMatchObject({ byKey: { k2: 5 }, onOtherKeys: 0 });

    const audits = await db.auditEvent.findMany({ where: { action: "restricted.reencrypted" } });
    expect(audits).toHaveLength(5);
    expect(audits[0]!.detail).toEqual({ column: "Referral.restrictedEnvelope", from: "k1", to: "k2" });
    expect(JSON.stringify(audits.map((a) => a.detail))).not.toMatch(/Child \d/);

    expect(await rotateKeys({ db, clock: systemClock, keyRing: ring(onK2), logger }, {})).toMatchObject({
      reencrypted: 0,
      unreadable: [],
    });
  });

  it("does not lose a write made to a row while it is being rotated", async () => {
    const [row] = await referralsOnK1(1);
    const newer = encryptJson(
      ring(onK1),
      { childName: "Renamed Child", dateOfBirth: "2012-05-01" },
      restrictedAad(row!.id),
    );
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    // Another writer holds the row (as every change does, through lockReferral) and changes the envelope.
    const writer = db.$transaction(
      async (tx) => {
        await lockReferral(tx, row!.id);
        await tx.referral.update({ where: { id: row!.id }, data: { restrictedEnvelope: newer } });
        locked();
        await new Promise<void>((r) => {
          release = r;
        });
      },
      { timeout: 30_000 },
    );
    await isLocked;
    const rotation = rotateKeys({ db, clock: systemClock, keyRing: ring(onK2), logger }, {});
    // Wait until the rotation is blocked on the writer's row lock (it has read the old envelope as a candidate).
    await eventually(async () => {
      const [w] = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return (w?.n ?? 0) > 0;
    }, "rotation waiting for the row lock");
    release();
    await writer;
    await rotation;
    const envelope = (await envelopes()).get(row!.id)!;
    expect(keyIdOf(envelope)).toBe("k2");
    expect(childNameOf(envelope, row!.id, onK2)).toBe("Renamed Child");
  });

  it("reports the rows whose key is missing from the ring instead of crashing, and the CLI fails on them", async () => {
    const stranded = await referralsOnK1(2);
    const result = await rotateKeys({ db, clock: systemClock, keyRing: ring(k1Retired), logger }, {});
    expect(result.reencrypted).toBe(0);
    expect(result.unreadable.map((u) => u.id).sort()).toEqual(stranded.map((s) => s.id).sort());
    expect(result.unreadable[0]).toMatchObject({ column: "Referral.restrictedEnvelope", keyId: "k1" });
    expect(result.unreadable[0]!.reason).toMatch(/no key k1/);

    const status = await cli(["keys", "status", "--check"], k1Retired);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/k1: 2 rows? \(not the active key\)/);
    expect(status.stdout).toMatch(/k2: \d+ rows? \(active\)/);

    const rotate = await cli(["keys", "rotate"], k1Retired);
    expect(rotate.code).toBe(2);
    expect(rotate.stdout).toContain(stranded[0]!.id);
    expect(rotate.stdout).toMatch(/cannot read 2 rows/i);
    for (const s of stranded) expect(`${rotate.stdout}${rotate.stderr}`).not.toContain(s.childName);

    // With k1 back in the ring the rotation completes and the check passes.
    const done = await cli(["keys", "rotate"], onK2);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/Re-encrypted 2 rows/);
    expect(done.stdout).toMatch(/0 rows on other keys/);
  }, 120_000);

  it("keys generate prints a new ring entry", async () => {
    const r = await cli(["keys", "generate", "--id", "k2026"], onK2);
    expect(r.code).toBe(0);
    const line = r.stdout.trim().split("\n")[0]!;
    expect(line).toMatch(/^k2026:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(line.split(":")[1]!, "base64")).toHaveLength(32);
  }, 60_000);
});
