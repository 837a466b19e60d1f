import type { Server } from "node:http";
import { createServer } from "node:net";
import type { Express } from "express";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { type Service, type ServiceOptions, startService } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { capturingLogger, isolatedEnv } from "./env.js";
import { type WebhookReceivers, webhookProviders } from "./receivers.js";

export const ART_TOKEN = "art-token-for-tests-0123456789abcdefghij";

export async function startTestService(
  opts: Omit<ServiceOptions, "role"> & { role?: ServiceOptions["role"] },
): Promise<Service> {
  return startService({ role: "all", ...opts });
}

/**
 * An end-to-end test's own service (its database, Redis prefix and port, with `settings` on top) once its webhook
 * providers are in place at the local receivers; sends go out on loopback with a 2 s timeout.
 */
export async function serviceWithProviders(
  name: string,
  settings: Record<string, string>,
  receivers: WebhookReceivers,
  providers: Parameters<typeof webhookProviders>[2],
  opts: Partial<Omit<ServiceOptions, "config">> = {},
): Promise<{ db: Db; config: Config; service: Service }> {
  const port = await freePort();
  const { db, config } = await isolatedEnv(name, {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...settings,
  });
  await ensureLots(db);
  await webhookProviders(db, receivers, providers);
  const service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
    ...opts,
  });
  return { db, config, service };
}

export async function postJson(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A loopback port nobody is listening on, for a service whose public URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** Serves an Express app on a free loopback port; `close` also drops kept-alive connections. */
export async function serveOnLoopback(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
