// Searching everywhere data could have leaked to: every text, JSON, array and enum column of every table, and every
// Redis key under the service's prefix; and the canary values searched for. Used by the canary test.
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { createRedis } from "../../src/redis.js";

/** Unique values for every restricted field of one referral (`canaries(n)`, n from 1 to 9). */
export interface Canaries {
  first: string;
  last: string;
  dob: string;
  dobUk: string;
  caseId: string;
  street: string;
  postcode: string;
  narrative: string;
  risks: string;
}
export const canaries = (n: number): Canaries => ({
  first: `Zyqfirst${n}`,
  last: `Vexlast${n}`,
  dob: `2013-07-1${n}`,
  dobUk: `1${n}/07/2013`,
  caseId: `CANARYCASE-8841${n}`,
  street: `${n} Canarywharf Close`,
  postcode: `PE7 ${n}QZ`,
  narrative: `CanaryNarrative-4${n}`,
  risks: `CanaryRisk-7${n}`,
});
/** What may never be seen, in the forms it might take. */
export const needles = (c: Canaries) => [
  c.first,
  c.last,
  c.dob,
  c.dobUk,
  c.caseId,
  c.street,
  c.postcode,
  c.postcode.replace(" ", ""),
  c.narrative,
  c.risks,
];

/** Every text, JSON and array column of every table, as text. */
export async function databaseText(db: Db): Promise<string> {
  const columns = await db.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`;
  if (columns.length < 40) throw new Error(`only ${columns.length} text columns found: the query is wrong`);
  const parts: string[] = [];
  for (const c of columns) {
    const rows = await db.$queryRawUnsafe<{ v: string | null }[]>(
      `SELECT string_agg("${c.column_name}"::text, E'\\n') AS v FROM "${c.table_name}"`,
    );
    parts.push(`${c.table_name}.${c.column_name}: ${rows[0]?.v ?? ""}`);
  }
  return parts.join("\n");
}

/** Every key under the service's Redis prefix (queues, jobs, limiters), with its values. */
export async function redisText(config: Config): Promise<string> {
  const redis = createRedis(config.REDIS_URL);
  const parts: string[] = [];
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${config.REDIS_PREFIX}:*`);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === "hash"
            ? await redis.hgetall(key)
            : type === "string"
              ? await redis.get(key)
              : type === "list"
                ? await redis.lrange(key, 0, -1)
                : type === "zset"
                  ? await redis.zrange(key, "0", "-1")
                  : type === "set"
                    ? await redis.smembers(key)
                    : type === "stream"
                      ? await redis.xrange(key, "-", "+")
                      : null;
        parts.push(`${key}: ${JSON.stringify(value)}`);
      }
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
  return parts.join("\n");
}
