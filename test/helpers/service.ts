import type { Config } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { type Role, type Service, startService } from "../../src/main.js";
import type { Clock } from "../../src/ports.js";

export const ART_TOKEN = "art-token-for-tests-0123456789abcdefghij";

export async function startTestService(opts: {
  config: Config;
  logger: Logger;
  role?: Role;
  clock?: Clock;
}): Promise<Service> {
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
