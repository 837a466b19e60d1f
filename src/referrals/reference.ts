import type { Tx } from "../db.js";

/** Next human reference for the year, e.g. R-2026-0042. The counter row is locked by the upsert, so no repeats. */
export async function nextReference(tx: Tx, prefix: string, year: number): Promise<string> {
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO "ReferenceCounter" ("year", "last") VALUES (${year}, 1)
    ON CONFLICT ("year") DO UPDATE SET "last" = "ReferenceCounter"."last" + 1
    RETURNING "last"`;
  const n = rows[0]?.last ?? 1;
  return `${prefix}-${year}-${String(n).padStart(4, "0")}`;
}
