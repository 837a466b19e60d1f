// One Prisma client per process, through the pg driver adapter (no native query engine on these machines).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";

export { Prisma, PrismaClient };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function createDb(databaseUrl: string, opts: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.poolSize ?? 10 });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // Prisma's defaults (2 s to get a connection, 5 s per transaction) turned a burst of offers on one referral into
  // 500s: every offer waits on the referral's row lock and on the pool, so the tenth in line gave up. They queue
  // instead; a transaction that really hangs still ends, and the provider's retry is idempotent.
  const db = new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 30_000 } });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The client's own connection pool, for the few statements on the fan-out's hot path: Prisma's query layer cost
 * more CPU than the statements themselves there (see src/delivery/claim.ts). Same connections, same database.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("this database client was not made by createDb");
  return pool;
}

/**
 * Prisma keeps DateTime columns as `timestamp` (no time zone) holding UTC. pg reads such a value as local time
 * and sends a Date as local time, so raw statements pass times as ISO strings (`$1::timestamptz AT TIME ZONE
 * 'UTC'`) and read them with this parser.
 */
export const utcTimestamps = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === pg.types.builtins.TIMESTAMP) return (v: string) => new Date(`${v.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Which database a URL names, for people (`referral_bot on 127.0.0.1:5432`): never the user or password. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default database)"} on ${url.hostname}:${url.port || "5432"}`;
  } catch {
    return "(a DATABASE_URL that is not a URL)";
  }
}
