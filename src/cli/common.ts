// What every CLI command shares: output streams, a database connection per command, and who is acting.
import { userInfo } from "node:os";
import type { Config } from "../config.js";
import { createDb, type Db } from "../db.js";
import type { Actor } from "../ports.js";

export const out = (line: string) => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);

/** Writes and waits until flushed: process.exit would otherwise cut a long output short on a pipe. */
export const write = (text: string) =>
  new Promise<void>((done, fail) => process.stdout.write(text, (e) => (e ? fail(e) : done())));

export async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(config.DATABASE_URL);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

/** The person at the terminal, as the audit trail records them. The CLI needs database access: it acts as ART. */
export function cliActor(): Actor {
  let name = "unknown";
  try {
    name = userInfo().username || name;
  } catch {
    // no passwd entry (some containers): the audit row still says it came from the CLI
  }
  return { id: `cli:${name}`, art: true, senior: false };
}
