// The production path end to end: `npm run build`, a production install (no devDependencies) in a clean folder
// holding only what the image holds, and the compiled web role started from it until it is ready. This is what
// proves nothing at run time needs tsx, TypeScript or a demo-only package.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type Child, spawnService } from "../helpers/processes.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

/**
 * What `npm run build` reads. The build runs in a copy of them, never in the checkout: the bin runs a dist/ it
 * finds there, and a build half-written under other tests' CLI processes made them load missing modules.
 */
const BUILD_INPUTS = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "prisma",
  "prisma.config.ts",
  "src",
  "adapters",
  "test/fixtures/providers.csv",
];

/** What the Dockerfile's runtime stage copies, and nothing else. */
const SHIPPED = ["package.json", "package-lock.json", "dist", "prisma", "prisma.config.ts", "src/bin/referral-bot.mjs"];

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function waitReady(url: string, child: Child): Promise<unknown> {
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`service exited early:\n${child.output()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return res.json();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("production build", () => {
  let dir: string | undefined;
  let buildDir: string | undefined;
  let child: Child | undefined;

  afterAll(async () => {
    child?.child.kill("SIGTERM");
    await child?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  it("builds to dist/, installs without devDependencies and serves /readyz from the compiled code", async () => {
    buildDir = await mkdtemp(join(tmpdir(), "rb-build-"));
    for (const entry of BUILD_INPUTS) {
      await mkdir(join(buildDir, entry, ".."), { recursive: true });
      await cp(join(ROOT, entry), join(buildDir, entry), { recursive: true });
    }
    await symlink(join(ROOT, "node_modules"), join(buildDir, "node_modules"), "dir");
    await run("npm", ["run", "build"], { cwd: buildDir, maxBuffer: 1 << 24 });
    expect(await exists(join(buildDir, "dist/src/cli.js"))).toBe(true);
    expect(await exists(join(buildDir, "dist/src/generated/prisma/client.js"))).toBe(true);
    expect(await exists(join(buildDir, "dist/adapters/teams/local/page/index.html"))).toBe(true);

    dir = await mkdtemp(join(tmpdir(), "rb-prod-"));
    for (const entry of SHIPPED) {
      await mkdir(join(dir, entry, ".."), { recursive: true });
      await cp(join(entry === "dist" ? buildDir : ROOT, entry), join(dir, entry), { recursive: true });
    }
    // Registry packages only, from the local npm cache when it has them. Scripts off, as in the image: the
    // Prisma client is already compiled into dist/, and no engine may be downloaded.
    await run("npm", ["ci", "--omit=dev", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: dir,
      maxBuffer: 1 << 24,
    });
    // (typescript itself still comes along: npm keeps it as an optional peer of the Prisma packages.)
    for (const devOnly of ["tsx", "adaptivecards", "vitest", "playwright-core", "@biomejs/biome"])
      expect(await exists(join(dir, "node_modules", devOnly)), devOnly).toBe(false);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = spawnService(
      ["serve", "--role", "web"],
      {
        NODE_ENV: "production",
        DATABASE_URL: inject("databaseUrl"),
        REDIS_URL: inject("redisUrl"),
        REDIS_PREFIX: `${inject("redisPrefix")}-prod`,
        PORT: String(port),
        HOST: "127.0.0.1",
        // The run's database is migrated already: this runs the Prisma CLI from the production install all the same.
        MIGRATE_ON_START: "true",
        RESPONSE_TOKEN_SECRET: randomBytes(32).toString("base64"),
        DUPLICATE_MATCH_KEY: randomBytes(32).toString("base64"),
        RESTRICTED_DATA_KEYS: `k1:${randomBytes(32).toString("base64")}`,
        RESTRICTED_DATA_ACTIVE_KEY: "k1",
        INBOUND_EMAIL_SECRET: randomBytes(24).toString("base64url"),
        LOG_LEVEL: "info",
      },
      dir,
    );
    const body = await waitReady(`http://127.0.0.1:${port}`, child);
    expect(body).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
    // The compiled code runs (tsx is not even installed there), and so did the Prisma CLI's migrate step.
    expect(child.output()).toContain('"role":"web"');
    expect(child.output()).toContain("database migrations applied");
    child.child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }, 240_000);
});
