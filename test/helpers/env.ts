// What integration tests share: the run's database, Redis, a config and a logger that records every line.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pg from "pg";
import { inject } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { createDb, type Db } from "../../src/db.js";
import { createLogger, type Logger } from "../../src/logger.js";
import type { Actor, Clock } from "../../src/ports.js";

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: inject("redisUrl"),
    REDIS_PREFIX: inject("redisPrefix"),
    PORT: "0",
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "debug",
    ...overrides,
  });
}

let shared: Db | undefined;
export function testDb(): Db {
  shared ??= createDb(inject("databaseUrl"), { poolSize: 20 });
  return shared;
}

export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: "trace", destination }), lines };
}

export const fixedClock = (iso: string): Clock & { set(iso: string): void } => {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set: (s) => {
      now = new Date(s);
    },
  };
};

export const art = (name = "art-1", senior = false): Actor => ({ id: `test:${name}`, art: true, senior });
export const socialWorker = (name = "sw-1"): Actor => ({ id: `test:${name}`, art: false, mayRaise: true });

/** Lots are data: each test makes its own so tests never see each other's providers. */
export async function freshLot(db: Db, name = "Test lot"): Promise<{ id: number; number: number }> {
  const number = 1000 + Math.floor(Math.random() * 1_000_000_000);
  return db.lot.create({ data: { number, name: `${name} ${randomUUID().slice(0, 6)}` } });
}

/**
 * A database and Redis prefix of this test file's own, for tests that run workers: their relay, reconciler and
 * round sweep act on every row they can see, so they must not see other files' rows (or their jobs).
 */
export async function isolatedEnv(tag: string, overrides: Record<string, string> = {}) {
  const admin = new pg.Client({ connectionString: inject("databaseUrl") });
  const name = `${inject("templateDatabase").replace(/_tpl$/, "")}_${tag}_${randomUUID().slice(0, 6)}`;
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject("templateDatabase")}"`);
  await admin.end();
  const url = new URL(inject("databaseUrl"));
  url.pathname = `/${name}`;
  const config = testConfig({
    DATABASE_URL: url.toString(),
    REDIS_PREFIX: `${inject("redisPrefix")}-${tag}`,
    ...overrides,
  });
  return { config, db: createDb(config.DATABASE_URL, { poolSize: 20 }) };
}
