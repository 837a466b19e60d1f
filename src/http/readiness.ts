// Readiness: PostgreSQL and Redis both answer. Served on /readyz by the web app and by the ops listener.
import type { Db } from "../db.js";
import type { Redis } from "../redis.js";

async function check(fn: () => Promise<unknown>, ms = 2000): Promise<"ok" | string> {
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), ms).unref())]);
    return "ok";
  } catch (err) {
    return (err as Error).message.slice(0, 200);
  }
}

export interface Readiness {
  status: "ready" | "not_ready";
  checks: { postgres: string; redis: string };
}

export async function readiness(deps: { db: Db; redis: Redis }): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([
    check(() => deps.db.$queryRaw`SELECT 1`),
    check(() => deps.redis.ping()),
  ]);
  return { status: postgres === "ok" && redis === "ok" ? "ready" : "not_ready", checks: { postgres, redis } };
}
