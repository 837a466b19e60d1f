// One Prisma client per process, through the pg driver adapter (no native query engine on these machines).
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";

export { Prisma, PrismaClient };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function createDb(databaseUrl: string, opts: { poolSize?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.poolSize ?? 10 });
  // Prisma's defaults (2 s to get a connection, 5 s per transaction) turned a burst of offers on one referral into
  // 500s: every offer waits on the referral's row lock and on the pool, so the tenth in line gave up. They queue
  // instead; a transaction that really hangs still ends, and the provider's retry is idempotent.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 30_000 } });
}

/** Which database a URL names, for people (`referral_bot on 127.0.0.1:5432`): never the user or password. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default database)"} on ${url.hostname}:${url.port || "5432"}`;
  } catch {
    return "(a DATABASE_URL that is not a URL)";
  }
}
