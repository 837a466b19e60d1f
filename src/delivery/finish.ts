// The delivery send's last statements: a delivery delivered, or due again after a failed attempt. Like the claim
// (claim.ts), on the pool in plain SQL, and finishes made at about the same moment go in one statement.
import type pg from "pg";
import { type Db, poolOf } from "../db.js";
import { Batcher, batcherPer } from "./batcher.js";

/** How many of a round's other due deliveries the finish counts at most (see finishDelivered). */
const TAIL = 64;

/**
 * Records the delivery as delivered; true when no other delivery of its round is still due (the fan-out's last).
 * Finishes made at about the same moment go in one statement (batcher.ts), which sees the round's other
 * deliveries as they were before it ran: the last few, finishing at the same moment in different statements, would
 * each see the others still due and none would know it was last. So near the end of a round (at most TAIL others
 * due) it asks again once its own change is committed, and the later of two such asks sees both. The count stops at
 * TAIL, where counting the whole round for every delivery would grow with its square. Of a batch's deliveries of
 * one round, the last in the batch is the one told it was last.
 */
export function finishDelivered(db: Db, deliveryId: string, roundId: string, at: Date): Promise<boolean> {
  return finishes(poolOf(db)).call({ id: deliveryId, roundId, at });
}

/** The same for several deliveries at once, in one statement (a lane's sends answered so far). */
export function finishAllDelivered(
  db: Db,
  deliveries: { id: string; roundId: string }[],
  at: Date,
): Promise<boolean[]> {
  return finishes(poolOf(db)).callAll(deliveries.map((d) => ({ id: d.id, roundId: d.roundId, at })));
}

type Finish = { id: string; roundId: string; at: Date };

const finishes = batcherPer((pool: pg.Pool) => new Batcher<Finish, boolean>((keys) => finishBatch(pool, keys)));

async function finishBatch(pool: pg.Pool, keys: Finish[]): Promise<boolean[]> {
  const ids = keys.map((k) => k.id);
  const { rows } = await pool.query<{ roundId: string; others: number }>({
    name: "delivery-finish",
    values: [ids, keys.map((k) => k.at.toISOString()), TAIL],
    text: `
    WITH done AS (
      UPDATE "Delivery" d SET "state" = 'delivered', "deliveredAt" = b."at" AT TIME ZONE 'UTC',
        "lastError" = NULL, "updatedAt" = b."at" AT TIME ZONE 'UTC'
      FROM unnest($1::uuid[], $2::timestamptz[]) AS b("id", "at")
      WHERE d."id" = b."id" RETURNING d."roundId"
    )
    SELECT r."roundId", (SELECT count(*)::int FROM (SELECT 1 FROM "Delivery" x
        WHERE x."roundId" = r."roundId" AND x."state" IN ('pending', 'sending') AND x."id" <> ALL($1::uuid[])
        LIMIT $3) AS due) AS "others"
    FROM (SELECT DISTINCT "roundId" FROM done) r`,
  });
  const finishedRounds = new Set<string>();
  for (const r of rows) {
    if (r.others === 0) finishedRounds.add(r.roundId);
    else if (r.others < TAIL) {
      const again = await pool.query<{ last: boolean }>({
        name: "delivery-finish-tail",
        values: [r.roundId],
        text: `SELECT NOT EXISTS (SELECT 1 FROM "Delivery" WHERE "roundId" = $1::uuid AND "state" IN ('pending', 'sending')) AS "last"`,
      });
      if (again.rows[0]?.last) finishedRounds.add(r.roundId);
    }
  }
  // One caller per round hears it was last: the batch's last delivery of that round.
  const told = new Set<string>();
  const out = new Array<boolean>(keys.length).fill(false);
  for (let i = keys.length - 1; i >= 0; i--) {
    const roundId = keys[i]!.roundId;
    if (finishedRounds.has(roundId) && !told.has(roundId)) {
      told.add(roundId);
      out[i] = true;
    }
  }
  return out;
}

/** An attempt failed and another will come: due again, with the reason ART may read. */
export async function releaseForRetry(db: Db, deliveryId: string, reason: string, at: Date): Promise<void> {
  await poolOf(db).query({
    name: "delivery-retry",
    values: [deliveryId, reason, at.toISOString()],
    text: `UPDATE "Delivery" SET "state" = 'pending', "lastError" = $2,
      "updatedAt" = $3::timestamptz AT TIME ZONE 'UTC' WHERE "id" = $1::uuid`,
  });
}
