// The delivery send's hot path in SQL: one statement loads and claims a delivery, one finishes it. Prisma's
// relation loading took five queries (and most of the worker's CPU in a fan-out) for what one join returns, and
// even its raw queries cost more worker CPU than the pg driver's (about 1 ms per delivery): these go to the pool.
import type pg from "pg";
import { type Db, poolOf, type Tx, utcTimestamps } from "../db.js";
import { Batcher, batcherPer } from "./batcher.js";
import { destinationOf } from "./destination-limiter.js";
import type { OutboundSource } from "./outbound.js";

type ClaimRow = {
  id: string;
  channel: "email" | "webhook";
  providerId: string;
  roundId: string;
  roundNumber: number;
  closesAt: Date;
  openedAt: Date;
  referralId: string;
  providerName: string;
  email: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  reference: string;
  ageYears: number;
  gender: string;
  needCodes: string[];
  ehcp: boolean;
  legalStatus: string;
  area: string;
  urgency: "emergency" | "standard";
  requiredBy: Date;
  summary: string | null;
  // The Placements Data Standard categories (JSON, see src/domain/pds.ts); null on referrals raised before them.
  pds: unknown;
  lotNumber: number;
  lotName: string;
  siblingReferences: string[] | null;
};

export interface ClaimedDelivery extends OutboundSource {
  channel: "email" | "webhook";
  providerId: string;
  roundId: string;
  round: OutboundSource["round"] & { openedAt: Date; referralId: string };
}

/**
 * Marks a pending delivery as sending, counts the attempt, and returns everything the send needs. Undefined when
 * it is not pending: gone, delivered, failed, being sent, or its round closed (see `unclaimedReason`).
 */
export function claimDelivery(db: Db, deliveryId: string, at: Date): Promise<ClaimedDelivery | undefined> {
  return claims(poolOf(db)).call({ key: deliveryId, at });
}

/** The same for several deliveries at once, in one statement (a lane claiming its next sends ahead). */
export function claimDeliveries(db: Db, deliveryIds: string[], at: Date): Promise<(ClaimedDelivery | undefined)[]> {
  return claims(poolOf(db)).callAll(deliveryIds.map((key) => ({ key, at })));
}

/**
 * Gives back claims that were never sent (a lane stopping with sends claimed ahead): pending again, the attempt
 * not counted, for their own jobs to send.
 */
export async function unclaimDeliveries(db: Db, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await poolOf(db).query({
    name: "delivery-unclaim",
    values: [deliveryIds],
    text: `UPDATE "Delivery" SET "state" = 'pending', "attempts" = GREATEST("attempts" - 1, 0)
      WHERE "id" = ANY($1::uuid[]) AND "state" = 'sending'`,
  });
}

/**
 * The same for a delivery left `sending` by a send that died with its worker: the retry reuses its message id,
 * so the receiver drops the repeat. Only for a delivery nobody is sending now (see DestinationLimiter.takenOver).
 */
export function claimStuckDelivery(db: Db, deliveryId: string, at: Date): Promise<ClaimedDelivery | undefined> {
  return stuckClaims(poolOf(db)).call({ key: deliveryId, at });
}

const byId = (name: string, state: "pending" | "sending") =>
  batcherPer((pool: pg.Pool) =>
    claimBatcher<string>(pool, {
      name,
      where: `d."id" = ANY($1::uuid[]) AND d."state" = '${state}'`,
      values: (ids) => [ids],
      keyOfRow: (r) => r.id,
      keyOf: (id) => id,
    }),
  );
const claims = byId("delivery-claim", "pending");
const stuckClaims = byId("delivery-claim-stuck", "sending");

type SendJob = { referralId: string; round: number; providerId: string };

/**
 * Claims the still pending delivery that a delivery-send job's id names (a job this process takes over from the
 * destination's waiting list, see src/jobs/delivery-send.ts). Never one left `sending`: that one is someone
 * else's send in progress. The destination's lanes take over at about the same moment (its sends answer
 * together), so these are grouped like the claims above.
 */
export function claimPendingDelivery(db: Db, job: SendJob, at: Date): Promise<ClaimedDelivery | undefined> {
  return pendingClaims(poolOf(db)).call({ key: job, at });
}

const pendingClaims = batcherPer((pool: pg.Pool) =>
  claimBatcher<SendJob>(pool, {
    name: "delivery-claim-pending",
    where: `(r."referralId", r."number", d."providerId") IN (SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[]))
      AND d."state" = 'pending'`,
    values: (jobs) => [jobs.map((j) => j.referralId), jobs.map((j) => j.round), jobs.map((j) => j.providerId)],
    keyOfRow: (r) => `${r.referralId}/${r.roundNumber}/${r.providerId}`,
    keyOf: (j) => `${j.referralId}/${j.round}/${j.providerId}`,
  }),
);

/**
 * Claims made at about the same moment go in one statement (batcher.ts), timed at the latest of them. `values`
 * gives the statement's parameters for the batch's keys (the time follows them); each caller gets the row whose
 * `keyOfRow` matches its key's `keyOf`.
 */
function claimBatcher<K>(
  pool: pg.Pool,
  q: {
    name: string;
    where: string;
    values: (keys: K[]) => unknown[];
    keyOfRow: (r: ClaimRow) => string;
    keyOf: (k: K) => string;
  },
) {
  return new Batcher<{ key: K; at: Date }, ClaimedDelivery | undefined>(async (calls) => {
    const at = new Date(Math.max(...calls.map((c) => c.at.getTime())));
    const values = q.values(calls.map((c) => c.key));
    const { rows } = await pool.query<ClaimRow>({
      name: q.name,
      types: utcTimestamps,
      values: [...values, at.toISOString()],
      text: claimSql(q.where, values.length + 1),
    });
    const byKey = new Map(rows.map((r) => [q.keyOfRow(r), r]));
    // The same delivery asked for twice in one batch is claimed once: the first caller sends it.
    return calls.map((c) => {
      const k = q.keyOf(c.key);
      const r = byKey.get(k);
      byKey.delete(k);
      return claimedOf(r);
    });
  });
}

/** The claim statement for the deliveries `where` picks; `$at` is the parameter holding the time. */
function claimSql(where: string, at: number): string {
  return `
    UPDATE "Delivery" d SET "state" = 'sending', "attempts" = d."attempts" + 1,
      "updatedAt" = $${at}::timestamptz AT TIME ZONE 'UTC'
    FROM "Round" r, "Provider" p, "Referral" f, "Lot" l
    WHERE ${where}
      AND r."id" = d."roundId" AND r."closedAt" IS NULL
      AND p."id" = d."providerId" AND f."id" = r."referralId" AND l."id" = f."lotId"
    RETURNING d."id", d."channel"::text AS "channel", d."providerId", d."roundId",
      r."number" AS "roundNumber", r."closesAt", r."openedAt", r."referralId",
      p."name" AS "providerName", p."email", p."webhookUrl", p."webhookSecret",
      f."reference", f."ageYears", f."gender", f."needCodes", f."ehcp", f."legalStatus", f."area",
      f."urgency"::text AS "urgency", f."requiredBy", f."summary", f."pds", l."number" AS "lotNumber", l."name" AS "lotName",
      (SELECT array_agg(s."reference" ORDER BY s."reference") FROM "Referral" s
        WHERE f."siblingGroupId" IS NOT NULL AND s."siblingGroupId" = f."siblingGroupId") AS "siblingReferences"`;
}

function claimedOf(r: ClaimRow | undefined): ClaimedDelivery | undefined {
  if (!r) return undefined;
  return {
    id: r.id,
    channel: r.channel,
    providerId: r.providerId,
    roundId: r.roundId,
    provider: {
      id: r.providerId,
      name: r.providerName,
      email: r.email,
      webhookUrl: r.webhookUrl,
      webhookSecret: r.webhookSecret,
    },
    round: {
      number: r.roundNumber,
      closesAt: r.closesAt,
      openedAt: r.openedAt,
      referralId: r.referralId,
      referral: {
        reference: r.reference,
        ageYears: r.ageYears,
        gender: r.gender,
        needCodes: r.needCodes,
        ehcp: r.ehcp,
        legalStatus: r.legalStatus,
        area: r.area,
        urgency: r.urgency,
        requiredBy: r.requiredBy,
        summary: r.summary,
        // The standard's categories travel with the broadcast (src/responses/profile.ts keeps only those).
        pds: r.pds,
        lot: { number: r.lotNumber, name: r.lotName },
        siblingReferences: r.siblingReferences,
      },
    },
  };
}

/**
 * Why a delivery was not claimed, when something is still to be done: a still-due delivery of a closed round is
 * marked failed; one left `sending` in an open round is someone's send in progress, or one that died.
 */
export async function unclaimedReason(
  db: Db,
  deliveryId: string,
): Promise<{ roundClosed: true; referralId: string; providerId: string } | { sending: true } | undefined> {
  const d = await db.delivery.findUnique({
    where: { id: deliveryId },
    select: { state: true, providerId: true, round: { select: { closedAt: true, referralId: true } } },
  });
  if (!d || (d.state !== "pending" && d.state !== "sending")) return undefined;
  if (d.round.closedAt) return { roundClosed: true, referralId: d.round.referralId, providerId: d.providerId };
  return d.state === "sending" ? { sending: true } : undefined;
}

/** What the send job's payload is made from: the relay and the reconciler select this for each due delivery. */
export const sendPayloadSelect = {
  id: true,
  providerId: true,
  channel: true,
  provider: { select: { email: true, webhookUrl: true } },
  round: { select: { referralId: true, number: true } },
} as const;

type SendPayloadRow = {
  id: string;
  providerId: string;
  channel: "email" | "webhook";
  provider: { email: string | null; webhookUrl: string | null };
  round: { referralId: string; number: number };
};

/** The send job's payload, with the destination, so the job takes its slot before it reads anything. */
export function sendPayloadOf(d: SendPayloadRow) {
  return {
    deliveryId: d.id,
    providerId: d.providerId,
    referralId: d.round.referralId,
    round: d.round.number,
    destination: destinationOf({ channel: d.channel, ...d.provider }),
  };
}

/**
 * The send payloads of a round's pending deliveries, in one statement (the relay's read when a round opens:
 * Prisma's relation select took three queries and 10-30 ms for 500 providers, between the commit and the first
 * send). On the relay's own connection, inside its transaction, never on another one from the pool: the relay
 * holds its outbox rows locked, and jobs it has just queued may wait for those locks holding pool connections of
 * their own, so with the pool full of them a second connection may never come (read on the pool, the whole test
 * suite hung twice at a worker's shutdown).
 */
export async function pendingSendPayloads(tx: Tx, roundId: string) {
  const rows = await tx.$queryRaw<
    {
      id: string;
      providerId: string;
      channel: "email" | "webhook";
      email: string | null;
      webhookUrl: string | null;
      referralId: string;
      number: number;
    }[]
  >`
    SELECT d."id", d."providerId", d."channel"::text AS "channel", p."email", p."webhookUrl", r."referralId", r."number"
    FROM "Delivery" d JOIN "Provider" p ON p."id" = d."providerId" JOIN "Round" r ON r."id" = d."roundId"
    WHERE d."roundId" = ${roundId}::uuid AND d."state" = 'pending'`;
  return rows.map((r) =>
    sendPayloadOf({
      id: r.id,
      providerId: r.providerId,
      channel: r.channel,
      provider: { email: r.email, webhookUrl: r.webhookUrl },
      round: { referralId: r.referralId, number: r.number },
    }),
  );
}

/** A job queued without its destination (before it was carried in the payload) looks it up. */
export async function destinationOfDelivery(db: Db, deliveryId: string): Promise<string | undefined> {
  const rows = await db.$queryRaw<{ channel: "email" | "webhook"; email: string | null; webhookUrl: string | null }[]>`
    SELECT d."channel"::text AS "channel", p."email", p."webhookUrl"
    FROM "Delivery" d JOIN "Provider" p ON p."id" = d."providerId" WHERE d."id" = ${deliveryId}::uuid`;
  return rows[0] ? destinationOf(rows[0]) : undefined;
}
