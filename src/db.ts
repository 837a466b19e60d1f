// One Prisma client per process, through the pg driver adapter (no native query engine on these machines).
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";

export { Prisma, PrismaClient };
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function createDb(databaseUrl: string, opts: { poolSize?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.poolSize ?? 10 });
  return new PrismaClient({ adapter });
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
