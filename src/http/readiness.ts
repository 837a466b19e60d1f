// Readiness: PostgreSQL and Redis both answer. Served on /readyz by the web app and by the ops listener.
// "ok" or "failed" only: the reason (host names, driver messages) goes to the log, not to whoever asks.
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";

async function check(name: string, logger: Logger, fn: () => Promise<unknown>, ms = 2000): Promise<"ok" | "failed"> {
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), ms).unref())]);
    return "ok";
  } catch (err) {
    logger.warn({ check: name, error: (err as Error).message.slice(0, 200) }, "readiness check failed");
    return "failed";
  }
}

export interface Readiness {
  status: "ready" | "not_ready";
  checks: { postgres: "ok" | "failed"; redis: "ok" | "failed" };
}

export async function readiness(deps: { db: Db; redis: Redis; logger: Logger }): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([
    check("postgres", deps.logger, () => deps.db.$queryRaw`SELECT 1`),
    check("redis", deps.logger, () => deps.redis.ping()),
  ]);
  return { status: postgres === "ok" && redis === "ok" ? "ready" : "not_ready", checks: { postgres, redis } };
}
