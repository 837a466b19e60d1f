// `npm run demo` started again and started twice: a restart leaves the demo's providers as they were (same
// rows, same ids), and a port already in use stops the demo with one line naming the port and its setting,
// before it has touched the database.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { setUpDemoDirectory } from "../../src/demo/demo-directory.js";
import { startDemo } from "../../src/demo/run-demo.js";
import { ensureLots } from "../../src/providers/directory.js";
import { importProviders } from "../../src/providers/import.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";
import { freePort } from "../helpers/service.js";

const exec = promisify(execFile);
let db: Db;
let config: Config;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("demostart"));
});
afterAll(async () => {
  await db.$disconnect();
});

async function occupy(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port };
}

const snapshot = async () =>
  (await db.provider.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true } })).map(
    (p) => `${p.id} ${p.name}`,
  );

describe("starting the demo", () => {
  it("stops with one line naming the port and its setting when a port is taken, touching nothing", async () => {
    const before = {
      lots: await db.lot.count(),
      providers: await db.provider.count(),
      audit: await db.auditEvent.count(),
    };
    const ports = { port: await freePort(), chatPort: 0, webhookPort: 0, smtpPort: 0 };
    for (const [option, setting] of [
      ["port", "PORT"],
      ["chatPort", "DEMO_CHAT_PORT"],
      ["webhookPort", "DEMO_WEBHOOK_PORT"],
      ["smtpPort", "DEMO_SMTP_PORT"],
    ] as const) {
      const taken = await occupy();
      try {
        const started = startDemo({
          logger: capturingLogger().logger,
          ...ports,
          [option]: taken.port,
          databaseUrl: config.DATABASE_URL,
          redisPrefix: config.REDIS_PREFIX,
        });
        await expect(started).rejects.toThrow(`Port ${taken.port} (`);
        await expect(started).rejects.toThrow(`set ${setting} to a free port`);
      } finally {
        taken.server.close();
      }
    }
    expect({
      lots: await db.lot.count(),
      providers: await db.provider.count(),
      audit: await db.auditEvent.count(),
    }).toEqual(before);
  });

  it("as a command, says so in one line and exits 1 while another copy holds the chat page's port", async () => {
    const taken = await occupy();
    try {
      const env = envOf(config, {
        PORT: String(await freePort()),
        DEMO_CHAT_PORT: String(taken.port),
        DEMO_WEBHOOK_PORT: String(await freePort()),
        DEMO_SMTP_PORT: String(await freePort()),
        DEMO_DATABASE_URL: config.DATABASE_URL,
      });
      const res = await exec(
        process.execPath,
        ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", "demo"],
        { env: { ...process.env, ...env }, timeout: 60_000 },
      ).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(res.code).toBe(1);
      expect(res.stderr.trim().split("\n")).toEqual([
        `Port ${taken.port} (the demo's chat page) is already in use, perhaps by another demo: stop that, or set DEMO_CHAT_PORT to a free port.`,
      ]);
      expect(await db.provider.count()).toBe(0);
    } finally {
      taken.server.close();
    }
  }, 90_000);

  it("started again, keeps the same providers with the same ids", async () => {
    const options = {
      logger: capturingLogger().logger,
      port: 0,
      chatPort: 0,
      webhookPort: 0,
      smtpPort: 0,
      databaseUrl: config.DATABASE_URL,
      redisPrefix: config.REDIS_PREFIX,
    };
    const first = await startDemo(options);
    await first.close();
    const after1 = await snapshot();
    expect(after1).toHaveLength(200);
    // Another start on other ports (port 0: the system picks new ones), as after changing DEMO_WEBHOOK_PORT.
    const second = await startDemo(options);
    await second.close();
    expect(await snapshot()).toEqual(after1);
    const third = await startDemo(options);
    await third.close();
    expect(await snapshot()).toEqual(after1);
  }, 120_000);

  it("takes over a directory an earlier version of the demo made, without duplicating a provider", async () => {
    const earlier = await isolatedEnv("demoupgrade");
    try {
      // What earlier versions left: webhooks at /p/<random id> on a random port.
      await ensureLots(earlier.db);
      const old = (r: Record<string, string>) =>
        r.webhook_url ? { ...r, webhook_url: `http://127.0.0.1:39207/p/${randomUUID()}` } : r;
      await importProviders(earlier.db, "test/fixtures/providers.csv", {
        actor: "demo",
        transform: old,
        allowLoopback: true,
      });
      const ids = (await earlier.db.provider.findMany({ orderBy: { id: "asc" } })).map((p) => p.id);
      expect(ids).toHaveLength(200);
      await setUpDemoDirectory(earlier.db, {
        csvPath: "test/fixtures/providers.csv",
        webhookUrlFor: (key) => `http://127.0.0.1:3979/p/${key}`,
      });
      const after = await earlier.db.provider.findMany({ orderBy: { id: "asc" } });
      expect(after.map((p) => p.id)).toEqual(ids);
      expect(after.filter((p) => p.webhookUrl && !p.webhookUrl.startsWith("http://127.0.0.1:3979/p/api."))).toEqual([]);
    } finally {
      await earlier.db.$disconnect();
    }
  });
});
