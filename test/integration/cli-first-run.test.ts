// The command line as someone new meets it, as real processes: an old Node, --help, a mistyped CSV path, a first
// import into an empty database, and which database `digest` and `report` read.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { isolatedEnv } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";

const exec = promisify(execFile);
let db: Db;
let config: Config;

async function cli(args: string[], extra: Record<string, string> = {}, nodeArgs: string[] = []) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [...nodeArgs, "--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
      { env: { ...process.env, ...envOf(config, extra) } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The same URL with a password in it: what the commands print must never show it. */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = "first-run-secret";
  return u.toString();
}

beforeAll(async () => {
  // A database of its own, migrated but with no lots: what a new machine has before `npm run seed`.
  ({ db, config } = await isolatedEnv("firstrun"));
});
afterAll(async () => {
  await db.$disconnect();
});

describe("the command line on first use", () => {
  it("names the Node version it needs, in one line, when started with an older Node", async () => {
    // process.versions.node is what the entry point reads; this makes the test's Node 24 say it is Node 20.
    const old = ["--import", 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.18.0"})'];
    const res = await cli(["--help"], {}, old);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toContain("needs Node 22.12 or newer");
    expect(res.stderr).toContain("this is Node 20.18.0");
    expect(res.stdout).toBe("");
  });

  it("--help prints the commands and exits 0", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const res = await cli([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("providers import <file.csv>");
      expect(res.stdout).toContain("demo");
    }
  });

  it("says in one line that a CSV file does not exist, with no stack trace", async () => {
    const res = await cli(["providers", "import", "no/such/providers.csv"]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^No such file: .*no\/such\/providers\.csv/)]);
  });

  it("creates the standard lots when importing into a database that has none", async () => {
    expect(await db.lot.count()).toBe(0);
    const res = await cli(["providers", "import", "test/fixtures/providers.csv"]);
    expect(res.stdout).toContain("No lots yet: created the standard lots 1 Independent Fostering Agencies,");
    expect(res.stdout).toContain("Read 200 rows: 200 created, 0 updated, 0 rejected.");
    expect(res.code).toBe(0);
    const lots = await db.lot.findMany({ orderBy: { number: "asc" } });
    expect(lots.map((l) => `${l.number} ${l.name}`)).toEqual([
      "1 Independent Fostering Agencies",
      "2 Residential Children's Homes",
      "3 Independent Special Education Provision / Post-16",
      "4 Out of School Tuition",
      "5 Post-16 Alternative Provision",
    ]);
  });

  it("digest and report say which database they read, without its password", async () => {
    const name = new URL(config.DATABASE_URL).pathname.slice(1);
    const env = { DATABASE_URL: withPassword(config.DATABASE_URL) };
    const digest = await cli(["digest", "--now", "--dry-run"], env);
    const report = await cli(["report", "--from", "2026-01-01", "--to", "2026-01-31"], env);
    for (const res of [digest, report]) {
      expect(res.code).toBe(0);
      expect(res.stderr).toContain(`Reading the database ${name} on 127.0.0.1:5432.`);
      expect(res.stderr + res.stdout).not.toContain("first-run-secret");
    }
  });
});
