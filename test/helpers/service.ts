import type { Server } from "node:http";
import { createServer } from "node:net";
import type { Express } from "express";
import { type Service, type ServiceOptions, startService } from "../../src/main.js";

export const ART_TOKEN = "art-token-for-tests-0123456789abcdefghij";

export async function startTestService(
  opts: Omit<ServiceOptions, "role"> & { role?: ServiceOptions["role"] },
): Promise<Service> {
  return startService({ role: "all", ...opts });
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
