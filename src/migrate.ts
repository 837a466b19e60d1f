// Applies pending migrations with the Prisma CLI, creating the database first when it does not exist yet, so a
// fresh machine needs nothing but `npm start`. The CLI runs the JavaScript schema engine through the pg driver
// adapter (prisma.config.ts): the native engine would be downloaded from Prisma's servers, which these machines
// cannot reach.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import pg from "pg";
import type { Logger } from "./logger.js";

export async function ensureDatabase(databaseUrl: string, logger: Logger): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error("DATABASE_URL database name must be letters, digits and _");
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      logger.info({ database: name }, "created database");
    }
  } finally {
    await client.end();
  }
}

const DONE = /No pending migrations to apply\.|All migrations have been successfully applied\./;

export async function migrateDatabase(databaseUrl: string, logger: Logger): Promise<void> {
  await ensureDatabase(databaseUrl, logger);
  const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, "migrate", "deploy"], {
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (d: Buffer) => {
      output.push(String(d));
      // Prisma 6.19's CLI on the JS engine idles ~10 s on a timer after it has finished. Its final line is
      // printed only once every migration is committed, so that line is the real end.
      if (DONE.test(output.join(""))) {
        child.kill();
        resolve(0);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", resolve);
  });
  if (code !== 0) throw new Error(`prisma migrate deploy failed:\n${output.join("")}`);
  logger.info("database migrations applied");
}
