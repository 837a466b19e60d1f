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
