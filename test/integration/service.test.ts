// The real process: `referral-bot serve` in each role, health and readiness, config errors, clean shutdown.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "../helpers/service.js";

const BIN = "src/bin/referral-bot.mjs";
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: inject("redisUrl"),
      REDIS_PREFIX: inject("redisPrefix"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

async function waitFor(url: string, ms = 20_000): Promise<Response> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

describe("the service process", () => {
  it("serves /healthz and /readyz in the default role and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const p = run(["serve"], { PORT: String(port) });
    const health = await waitFor(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
    expect(p.output()).toContain('"msg":"workers started"');
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  it("reports not ready (503) when Redis is unreachable", async () => {
    const port = await freePort();
    const deadRedis = await freePort();
    const p = run(["serve", "--role", "web"], {
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${deadRedis}`,
      MALLOC_ARENA_MAX: "3",
    });
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    // Sized for the web role; the operator's own malloc arenas kept.
    expect(readFileSync(`/proc/${p.child.pid}/cmdline`, "utf8").split("\0")).toContain("--max-semi-space-size=8");
    expect(readFileSync(`/proc/${p.child.pid}/environ`, "utf8").split("\0")).toContain("MALLOC_ARENA_MAX=3");
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: { postgres: string; redis: string } };
    expect(body.checks.postgres).toBe("ok");
    expect(body.checks.redis).not.toBe("ok");
  });

  it("runs the worker role without an HTTP server", async () => {
    const port = await freePort();
    const p = run(["serve", "--role", "worker"], { PORT: String(port), NODE_OPTIONS: "--max-semi-space-size=6" });
    // Start-up compiles the TypeScript first: on a loaded machine that alone can take well over ten seconds.
    for (let i = 0; i < 450 && !p.output().includes("workers started"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(p.output()).toContain("workers started");
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // The bin replaced itself (same pid) with node sized for the role: the operator's semi-space setting (given in
    // NODE_OPTIONS) kept, the old-generation limit and WebAssembly baseline-only compilation added.
    const argv = readFileSync(`/proc/${p.child.pid}/cmdline`, "utf8").split("\0");
    expect(argv).toEqual(expect.arrayContaining(["--max-old-space-size=256", "--liftoff-only"]));
    expect(argv.filter((a) => a.startsWith("--max-semi-space-size"))).toEqual([]);
    // Two malloc arenas unless the operator says otherwise.
    expect(readFileSync(`/proc/${p.child.pid}/environ`, "utf8").split("\0")).toContain("MALLOC_ARENA_MAX=2");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 90_000);

  it("stops at start-up with one clear line per bad setting", async () => {
    const p = run(["serve"], { PORT: "abc", REDIS_URL: "http://nope" });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("PORT: must be a whole number");
    expect(p.output()).toContain("REDIS_URL: must be a redis:// URL");
    expect(p.output()).not.toContain("    at "); // no stack trace for a configuration mistake
  });
});
