// Retiring a restricted-data key: re-encrypt every envelope with the active key, then check that no row still
// names another key before that key leaves RESTRICTED_DATA_KEYS. Safe while the service runs: each row is
// re-read under its row lock (the lock every change takes first, see lockReferral) and written back only if it
// is still the envelope that was decrypted, so a concurrent write is never overwritten with older data. Rows are
// visited once per run in id order, so a row that cannot be read is reported and skipped, never retried forever.
import type { Db } from "../db.js";
import { documentAad } from "../documents/content.js";
import { decryptJson, encryptJson, type KeyRing, keyIdOf } from "../domain/crypto.js";
import { Prisma } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { restrictedAad } from "../referrals/create.js";

/** Every encrypted column. A new one goes here, or the rotation (and the check) will not see it. */
export const ENVELOPE_COLUMNS = [
  {
    table: "Referral",
    column: "restrictedEnvelope",
    aad: restrictedAad,
    referralIdOf: (rowId: string): string | null => rowId,
  },
  {
    // A document's bytes (base64 inside the envelope); its audit rows name the document, not the referral.
    table: "ReferralDocument",
    column: "contentEnvelope",
    aad: documentAad,
    referralIdOf: (_rowId: string): string | null => null,
  },
] as const;
type EnvelopeColumn = (typeof ENVELOPE_COLUMNS)[number];

const label = (c: EnvelopeColumn) => `${c.table}.${c.column}`;
const ident = (c: EnvelopeColumn) => ({ table: Prisma.raw(`"${c.table}"`), column: Prisma.raw(`"${c.column}"`) });

export interface KeyStatus {
  activeKeyId: string;
  /** Rows per key id over every encrypted column. */
  byKey: Record<string, number>;
  /** Per column, rows per key id. */
  byColumn: Record<string, Record<string, number>>;
  onOtherKeys: number;
}

export async function keyStatus(db: Db, activeKeyId: string): Promise<KeyStatus> {
  const status: KeyStatus = { activeKeyId, byKey: {}, byColumn: {}, onOtherKeys: 0 };
  for (const c of ENVELOPE_COLUMNS) {
    const { table, column } = ident(c);
    const rows = await db.$queryRaw<{ keyId: string; n: number }[]>`
      SELECT split_part(${column}, '.', 2) AS "keyId", count(*)::int AS n FROM ${table}
      WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`;
    const counts: Record<string, number> = {};
    for (const r of rows) {
      counts[r.keyId] = r.n;
      status.byKey[r.keyId] = (status.byKey[r.keyId] ?? 0) + r.n;
      if (r.keyId !== activeKeyId) status.onOtherKeys += r.n;
    }
    status.byColumn[label(c)] = counts;
  }
  return status;
}

export interface Unreadable {
  column: string;
  id: string;
  keyId: string;
  /** Why it could not be decrypted (never any of the data). */
  reason: string;
}

export interface RotationResult {
  reencrypted: number;
  unreadable: Unreadable[];
}

export interface RotateDeps {
  db: Db;
  clock: Clock;
  keyRing: KeyRing;
  logger: Pick<Logger, "info" | "warn">;
}

export async function rotateKeys(
  deps: RotateDeps,
  opts: { batchSize?: number; actor?: string; onProgress?: (done: number) => void },
): Promise<RotationResult> {
  const active = deps.keyRing.activeKeyId;
  const batchSize = opts.batchSize ?? 100;
  const actor = opts.actor ?? "cli";
  const result: RotationResult = { reencrypted: 0, unreadable: [] };
  for (const c of ENVELOPE_COLUMNS) {
    const { table, column } = ident(c);
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const batch = await deps.db.$queryRaw<{ id: string }[]>`
        SELECT "id"::text AS id FROM ${table}
        WHERE split_part(${column}, '.', 2) <> ${active} AND "id" > ${after}::uuid
        ORDER BY "id" LIMIT ${batchSize}`;
      if (batch.length === 0) break;
      for (const { id } of batch) {
        const outcome = await reencryptRow(deps, c, id, actor);
        if (outcome === "done") result.reencrypted++;
        else if (outcome !== "skipped") result.unreadable.push(outcome);
      }
      after = batch.at(-1)!.id;
      opts.onProgress?.(result.reencrypted);
    }
  }
  await deps.db.$transaction((tx) =>
    writeAudit(tx, {
      actor,
      action: "keys.rotated",
      detail: { activeKeyId: active, reencrypted: result.reencrypted, unreadable: result.unreadable.length },
      at: deps.clock.now(),
    }),
  );
  deps.logger.info(
    { activeKeyId: active, reencrypted: result.reencrypted, unreadable: result.unreadable.length },
    "restricted-data key rotation finished",
  );
  return result;
}

async function reencryptRow(
  deps: RotateDeps,
  c: EnvelopeColumn,
  id: string,
  actor: string,
): Promise<"done" | "skipped" | Unreadable> {
  const { table, column } = ident(c);
  const active = deps.keyRing.activeKeyId;
  return deps.db.$transaction(async (tx) => {
    // Waits for a writer holding the row and then sees what it committed.
    const rows = await tx.$queryRaw<{ envelope: string }[]>`
      SELECT ${column} AS envelope FROM ${table} WHERE "id" = ${id}::uuid FOR UPDATE`;
    const envelope = rows[0]?.envelope;
    const from = envelope === undefined ? undefined : keyIdOf(envelope);
    if (envelope === undefined || from === active) return "skipped"; // deleted, or rewritten with the active key
    let plain: unknown;
    try {
      plain = decryptJson(deps.keyRing, envelope, c.aad(id));
    } catch (err) {
      const reason = (err as Error).message.slice(0, 200);
      deps.logger.warn({ column: label(c), id, keyId: from, reason }, "cannot read an envelope to re-encrypt it");
      return { column: label(c), id, keyId: from ?? "", reason };
    }
    const fresh = encryptJson(deps.keyRing, plain, c.aad(id));
    const changed = await tx.$executeRaw`
      UPDATE ${table} SET ${column} = ${fresh} WHERE "id" = ${id}::uuid AND ${column} = ${envelope}`;
    if (changed !== 1) return "skipped";
    await writeAudit(tx, {
      referralId: c.referralIdOf(id),
      actor,
      action: "restricted.reencrypted",
      detail: { column: label(c), from: from ?? "", to: active },
      at: deps.clock.now(),
    });
    return "done";
  });
}
