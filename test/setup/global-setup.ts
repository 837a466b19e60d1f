// Once per `npm test`: a database and a Redis key prefix of the run's own, migrated, dropped afterwards.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

import type { TestProject } from "vitest/node";
import { createLogger } from "../../src/logger.js";
import { migrateDatabase } from "../../src/migrate.js";

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function urlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string, params: unknown[] = []): Promise<{ datname: string }[]> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query(sql, params)).rows;
  } finally {
    await admin.end();
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const dbName = `rb_test_${runId}`;
  // A migrated template nobody connects to: test files that run workers clone their own database from it.
  const templateUrl = urlFor(`${dbName}_tpl`);
  await migrateDatabase(templateUrl, createLogger({ level: "warn" }));
  await adminQuery(`CREATE DATABASE "${dbName}" TEMPLATE "${dbName}_tpl"`);
  const databaseUrl = urlFor(dbName);
  const redisPrefix = `rbtest-${runId}`;
  project.provide("databaseUrl", databaseUrl);
  project.provide("templateDatabase", `${dbName}_tpl`);
  project.provide("redisUrl", REDIS_URL);
  project.provide("redisPrefix", redisPrefix);

  return async () => {
    const redis = new Redis(REDIS_URL);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.quit();
    const dbs = await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${dbName}%`]);
    for (const { datname } of dbs) await adminQuery(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    redisUrl: string;
    redisPrefix: string;
  }
}
