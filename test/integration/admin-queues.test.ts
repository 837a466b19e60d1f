// The queue dashboard's access rules, through the real web role: no token 401, an unknown token 401, an ART API
// token 403, an admin token (Bearer, or Basic for browsers) 200, an allow-listed address 200 without a token;
// read-only unless ADMIN_QUEUES_WRITE=true; job data shown as ids only.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.js";
import { capturingLogger, testConfig } from "../helpers/env.js";
import { startTestService } from "../helpers/service.js";

const ADMIN = "admin-token-for-tests-0123456789abcdefghij";
const ART = "art-token-for-tests-0123456789abcdefghijkl";
let locked: Service;
let open: Service;

beforeAll(async () => {
  // An admin-scoped token opens the dashboard; an ART token (reports and decisions) is known but refused.
  const base = { ART_API_TOKENS: `ops:${ADMIN}:admin,art:${ART}:reports:read+decisions:write` };
  locked = await startTestService({
    role: "web",
    // 127.0.0.2 is not where the test's requests come from: the allow-list must not let them in.
    config: testConfig({ ...base, ADMIN_ALLOWED_IPS: "127.0.0.2, 10.0.0.0/8" }),
    logger: capturingLogger().logger,
  });
  open = await startTestService({
    role: "web",
    config: testConfig({ ...base, ADMIN_ALLOWED_IPS: "127.0.0.0/8", ADMIN_QUEUES_WRITE: "true" }),
    logger: capturingLogger().logger,
  });
});
afterAll(async () => {
  await locked.close();
  await open.close();
});

const get = (s: Service, path: string, authorization?: string) =>
  fetch(`${s.url}/admin/queues${path}`, { headers: authorization ? { authorization } : {} });
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;

describe("queue dashboard access", () => {
  it("asks for credentials without a token, and refuses unknown and non-admin tokens", async () => {
    const none = await get(locked, "/api/queues");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await get(locked, "/", "Bearer not-a-real-token-000000000000000000")).status).toBe(401);
    expect((await get(locked, "/api/queues", basic("ops", "wrong-token"))).status).toBe(401);
    // A real token, but ART's: known, not allowed.
    expect((await get(locked, "/api/queues", `Bearer ${ART}`)).status).toBe(403);
  });

  it("lets an admin token in, as Bearer or as the Basic password a browser sends", async () => {
    const res = await get(locked, "/api/queues", `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name)).toEqual(expect.arrayContaining(["delivery-send", "chat-sync"]));
    expect((await get(locked, "/", basic("anyone", ADMIN))).status).toBe(200);
  });

  it("is read-only unless configured: retry and clean are refused even for an admin", async () => {
    for (const path of ["/api/queues/delivery-send/retry/failed", "/api/queues/delivery-send/clean/completed"]) {
      const res = await fetch(`${locked.url}/admin/queues${path}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(res.status).toBe(403);
      const post = await fetch(`${locked.url}/admin/queues${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(post.status).toBe(403);
      expect(await post.json()).toMatchObject({ error: { code: "read_only" } });
    }
  });

  it("lets an allow-listed address in without a token, and writes only when ADMIN_QUEUES_WRITE=true", async () => {
    expect((await get(open, "/api/queues")).status).toBe(200);
    const res = await fetch(`${open.url}/admin/queues/api/queues/delivery-send/retry/failed`, { method: "PUT" });
    expect(res.status).not.toBe(403);
    expect(res.status).toBeLessThan(500);
  });

  it("shows a job's ids, never the rest of its data", async () => {
    const deliveryId = randomUUID();
    const job = await locked.queues
      .queue("delivery-send")
      .add("delivery-send", { deliveryId, round: 1, childName: "Canary Child Name", note: "free text" });
    const res = await get(locked, `/api/queues/delivery-send/${job.id}`, `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(deliveryId);
    expect(text).not.toContain("Canary Child Name");
    expect(text).not.toContain("free text");
    await job.remove();
  });
});
