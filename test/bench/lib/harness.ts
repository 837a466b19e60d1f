// The benchmark harness: a throw-away database and Redis prefix per benchmark, the service's real web and worker
// processes started as package.json's start scripts start them (so whatever build the branch runs is what gets
// measured), their memory and CPU read from /proc, and the one-JSON-line-per-row output `npm run bench` collects.
import "../../setup/no-egress.js";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { type Config, loadConfig } from "../../../src/config.js";
import { createDb, type Db } from "../../../src/db.js";
import { createLogger } from "../../../src/logger.js";
import { migrateDatabase } from "../../../src/migrate.js";
import { freePort } from "../../helpers/service.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const NO_EGRESS = guardAsJavaScript(resolve(ROOT, "test/setup/no-egress.ts"));
const ADMIN = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
// Loopback webhooks are refused in production, so the service runs as development or test, as the tests do.
const NODE_ENV = process.env.BENCH_NODE_ENV ?? "test";
const CLOCK_TICKS = 100; // USER_HZ on Linux

// A benchmark that fails part-way must not leave the service's processes running.
const started = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of started) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(NO_EGRESS, { force: true });
});

/**
 * The no-egress guard that every process of the service is started with, as JavaScript. Imported as TypeScript,
 * Node strips its types with a compiler of its own, which it loads for the purpose and keeps: some 10 MB of the
 * process's memory that the service never holds in production (an idle worker measured 141 MB with the guard as
 * TypeScript, 130.5 MB with it as JavaScript).
 */
function guardAsJavaScript(file: string): string {
  const out = resolve(tmpdir(), `referral-bot-bench-no-egress-${process.pid}.mjs`);
  writeFileSync(out, stripTypeScriptTypes(readFileSync(file, "utf8")));
  return out;
}

export interface BenchEnv {
  name: string;
  config: Config;
  db: Db;
  /** The environment for the service's processes (the same database, Redis prefix and settings). */
  env: Record<string, string>;
  port: number;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database and Redis prefix, and the settings every process of this benchmark shares. */
export async function benchEnv(settings: Record<string, string> = {}): Promise<BenchEnv> {
  const name = `rb_bench_${randomBytes(3).toString("hex")}`;
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString(), createLogger({ level: "warn" }));
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV,
    DATABASE_URL: url.toString(),
    REDIS_PREFIX: name,
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "info",
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    // The benchmarks send far more from one address than a person would; the limits are not what is measured.
    RATE_LIMIT_INBOUND: "1000000",
    RATE_LIMIT_RESPONSE_LINKS: "1000000",
    RATE_LIMIT_API: "1000000",
    ...settings,
  };
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL);
  return {
    name,
    config,
    db,
    env,
    port,
    async cleanup() {
      await db.$disconnect();
      const redis = new Redis(config.REDIS_URL);
      const keys = await redis.keys(`${name}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      await redis.quit();
      const admin = new pg.Client({ connectionString: ADMIN });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** package.json's start script for a role, as [env, node arguments]: `node <args>` with optional VAR=value first. */
export function startCommand(role: "web" | "worker"): { env: Record<string, string>; args: string[] } {
  const scripts = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
  const script = scripts[`start:${role}`];
  if (!script) throw new Error(`package.json has no start:${role} script`);
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0]?.includes("=")) {
    const [k, ...v] = words.shift()!.split("=");
    env[k!] = v.join("=");
  }
  if (words.shift() !== "node") throw new Error(`start:${role} does not run node: ${script}`);
  return { env, args: words };
}

export interface ServiceProcess {
  role: "web" | "worker";
  child: ChildProcess;
  pid: number;
  output(): string;
  rssMb(): number;
  /** CPU time (user + system) used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Refuses to measure TypeScript run through tsx: the bin runs dist/ only while it is newer than every .ts file
 * under src/ and adapters/ (src/bin/referral-bot.mjs), and a source file saved after the build (even during a
 * run) would silently have the next process compiled at start-up, some 10-20 MB heavier and slower.
 */
function assertBuildCurrent(): void {
  const built = resolve(ROOT, "dist/src/cli.js");
  if (!existsSync(built)) throw new Error("dist/ is missing: run `npm run build` before the benchmarks");
  const builtAt = statSync(built).mtimeMs;
  for (const dir of ["src", "adapters"]) {
    for (const e of readdirSync(resolve(ROOT, dir), { recursive: true, withFileTypes: true })) {
      const file = `${e.parentPath}/${e.name}`;
      if (e.isFile() && e.name.endsWith(".ts") && statSync(file).mtimeMs > builtAt) {
        throw new Error(`${file} changed after the build: run \`npm run build\` (the benchmarks measure dist/)`);
      }
    }
  }
}

/** Starts one role of the service as its own process and waits until it says it is up. */
export async function startRole(
  bench: BenchEnv,
  role: "web" | "worker",
  extra: Record<string, string> = {},
): Promise<ServiceProcess> {
  assertBuildCurrent();
  const cmd = startCommand(role);
  // The web role's port is the benchmark's; a second worker must not fight over a port it does not use.
  const roleEnv = role === "worker" ? { PORT: String(await freePort()) } : {};
  const child = spawn(process.execPath, ["--import", NO_EGRESS, ...cmd.args], {
    cwd: ROOT,
    env: { ...process.env, ...bench.env, ...roleEnv, ...cmd.env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const ready = role === "web" ? "web server listening" : "workers started";
  const until = Date.now() + 120_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`${role} exited (${child.exitCode}):\n${output.slice(-3000)}`);
    if (Date.now() > until) throw new Error(`${role} did not start in 120 s:\n${output.slice(-3000)}`);
    await sleep(50);
  }
  const pid = child.pid!;
  return {
    role,
    child,
    pid,
    output: () => output,
    rssMb: () => rssMb(pid),
    cpuMs: () => cpuMs(pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const killed = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Samples the processes' RSS every ~100 ms (jittered) and keeps each one's peak. */
export class PeakRss {
  readonly peak = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly pids: number[]) {}
  start(): this {
    const tick = () => {
      for (const pid of this.pids) {
        try {
          this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, rssMb(pid)));
        } catch {
          // the process has gone; its peak stays
        }
      }
      this.timer = setTimeout(tick, jitter(100, 0.5));
    };
    tick();
    return this;
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `ms` spread by +/- `spread` (a fraction): samples spaced at exact periods line up with 1 s buckets. */
export const jitter = (ms: number, spread = 0.4) => ms * (1 - spread + Math.random() * 2 * spread);

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 0.5);

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Polls until `check` holds, failing with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(jitter(40, 0.5));
  }
}

export interface Row {
  row: string;
  figure: number;
  unit: string;
  reference: number | null;
  referenceLabel: string;
  ratio: number | null;
  goal: string;
  met: boolean;
  /** The samples the figure is the median of, and other context. */
  detail?: Record<string, unknown>;
}

/** Prints one row as a JSON line (and appends it to BENCH_OUT, where `npm run bench` collects the rows). */
export function emit(r: Omit<Row, "ratio"> & { ratio?: number | null }): void {
  const ratio = r.ratio !== undefined ? r.ratio : r.reference ? round(r.figure / r.reference, 2) : null;
  const row: Row = {
    row: r.row,
    figure: round(r.figure, 2),
    unit: r.unit,
    reference: r.reference === null ? null : round(r.reference, 2),
    referenceLabel: r.referenceLabel,
    ratio,
    goal: r.goal,
    met: r.met,
    ...(r.detail ? { detail: r.detail } : {}),
  };
  const line = JSON.stringify(row);
  process.stdout.write(`${line}\n`);
  if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, `${line}\n`);
}
