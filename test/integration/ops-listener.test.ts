// The ops listener (METRICS_PORT) of a worker process, which has no web server: probes and metrics answer, and a
// scrape still answers while Redis is down (queue depths are left out rather than failing the scrape).
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "../helpers/env.js";
import { type Child, envOf, spawnService } from "../helpers/processes.js";
import { freePort } from "../helpers/service.js";

let child: Child | undefined;
afterEach(async () => {
  child?.child.kill("SIGTERM");
  await child?.exited;
  child = undefined;
});

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child && child.child.exitCode !== null) throw new Error(`exited:\n${child.output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered:\n${child?.output()}`);
}

describe("ops listener", () => {
  it("lets a worker be probed and scraped on METRICS_PORT", async () => {
    const ops = await freePort();
    child = spawnService(["serve", "--role", "worker"], envOf(testConfig(), { METRICS_PORT: String(ops) }));
    const base = `http://127.0.0.1:${ops}`;
    await waitFor(`${base}/healthz`);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: "ready" });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^rb_queue_jobs\{.*queue="delivery-send".*\} \d+$/m);
    expect(metrics).toMatch(/^rb_process_resident_memory_bytes\{.*\} \d+/m);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("still answers a scrape, without queue depths, and reports not ready while Redis is down", async () => {
    const ops = await freePort();
    const deadRedis = await freePort();
    child = spawnService(
      ["serve", "--role", "worker"],
      envOf(testConfig(), { METRICS_PORT: String(ops), REDIS_URL: `redis://127.0.0.1:${deadRedis}` }),
    );
    const base = `http://127.0.0.1:${ops}`;
    await waitFor(`${base}/healthz`);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const metrics = await res.text();
    expect(metrics).toMatch(/^rb_process_resident_memory_bytes\{.*\} \d+/m);
    expect(metrics).not.toMatch(/^rb_queue_jobs\{/m);
  });
});
