// The service as real child processes (for SIGKILL / SIGTERM tests), with the no-egress guard preloaded.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { Config } from "../../src/config.js";

const NO_EGRESS = resolve(import.meta.dirname, "../setup/no-egress.ts");

export interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** `cwd` runs the copy of the service in that folder (the production build test's clean install). */
export function spawnService(args: string[], env: Record<string, string>, cwd?: string): Child {
  const child = spawn(process.execPath, ["--import", NO_EGRESS, "src/bin/referral-bot.mjs", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd ? { cwd } : {}),
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

/** The environment that makes a child process use the same database, Redis and settings as a test's config. */
export function envOf(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: config.NODE_ENV,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "info",
    ...extra,
  };
}

/** Runs `referral-bot <args>` to the end against the test's database; its exit code, stdout and stderr. */
export async function runCli(config: Config, args: string[], extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
      { env: { ...process.env, ...envOf(config, extra) } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
