// Real HTTP receivers on 127.0.0.1 that verify every request's Standard Webhooks signature, as a provider would.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { DeliveryError } from "../../src/errors.js";
import type { OutboundDelivery } from "../../src/ports.js";

interface Received {
  headers: Record<string, string>;
  body: string;
  verified: boolean;
}
type Reply = (req: http.IncomingMessage, res: http.ServerResponse, r: Received) => void;

const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;
const servers: http.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function receiver(secret: string, reply: Reply = (_q, res) => res.writeHead(204).end()) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified = true;
      try {
        new Webhook(secret).verify(body, headers);
      } catch {
        verified = false;
      }
      const r = { headers, body, verified };
      received.push(r);
      reply(req, res, r);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/referrals`, received };
}

function message(webhookUrl: string, webhookSecret: string, over: Partial<OutboundDelivery> = {}): OutboundDelivery {
  return {
    kind: "referral",
    messageId: `msg-${randomBytes(6).toString("hex")}`,
    deliveryId: "3d0c6a52-8a43-4a3a-9d7e-2b8f6e1c0a11",
    provider: { id: "prov-1", name: "Nene Valley Care", webhookUrl, webhookSecret },
    round: { number: 1, respondBy: new Date(Date.now() + 7 * 86_400_000) },
    profile: {
      reference: "R-2026-0042",
      lotNumber: 2,
      lotName: "Residential Children's Homes",
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: "2026-12-15",
      summary: "PAYLOAD-CANARY enjoys football.",
    },
    responseUrl: "http://127.0.0.1:3000/r/abcdefghijklmnopqrstuv",
    ...over,
  };
}

const channel = new WebhookChannel({ timeoutMs: 2000, allowLoopback: true });

async function failure(promise: Promise<void>): Promise<DeliveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  const e = err as DeliveryError;
  // Errors end up in logs and job records: never the body we sent or the one we got back.
  expect(e.message).not.toMatch(/CANARY|ECHO/);
  return e;
}

describe("WebhookChannel", () => {
  it("delivers a signed POST the receiver verifies, with webhook-id = messageId", async () => {
    const secret = newSecret();
    const rx = await receiver(secret);
    const msg = message(rx.url, secret);
    const before = Math.floor(Date.now() / 1000);
    await channel.send(msg);

    expect(rx.received).toHaveLength(1);
    const [r] = rx.received;
    expect(r?.verified).toBe(true);
    expect(r?.headers["webhook-id"]).toBe(msg.messageId);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(Number(r?.headers["webhook-timestamp"])).toBeGreaterThanOrEqual(before);
    expect(r?.headers["webhook-signature"]).toMatch(/^v1,/);
    const body = JSON.parse(r?.body ?? "");
    expect(body).toMatchObject({
      type: "referral.broadcast",
      id: msg.messageId,
      referral: { reference: "R-2026-0042" },
    });
  });

  it("resends the same message with the same webhook-id, so the receiver can drop the repeat", async () => {
    const secret = newSecret();
    const processed = new Set<string>();
    let duplicates = 0;
    const rx = await receiver(secret, (_q, res, r) => {
      const id = r.headers["webhook-id"] ?? "";
      if (processed.has(id)) duplicates++;
      processed.add(id);
      res.writeHead(200).end();
    });
    const msg = message(rx.url, secret);
    await channel.send(msg);
    await channel.send(msg);
    expect(rx.received.map((r) => [r.headers["webhook-id"], r.verified])).toEqual([
      [msg.messageId, true],
      [msg.messageId, true],
    ]);
    expect([processed.size, duplicates]).toEqual([1, 1]);
  });

  it.each([500, 502, 503])("%i is retryable", async (status) => {
    const secret = newSecret();
    const rx = await receiver(secret, (_q, res) => res.writeHead(status).end("ECHO PAYLOAD-CANARY"));
    const err = await failure(channel.send(message(rx.url, secret)));
    expect([err.status, err.retryable, err.retryAfterMs]).toEqual([status, true, undefined]);
    expect(rx.received[0]?.verified).toBe(true);
  });

  it.each([408, 429])("%i with Retry-After: 7 is retryable after 7 s", async (status) => {
    const secret = newSecret();
    const rx = await receiver(secret, (_q, res) => res.writeHead(status, { "retry-after": "7" }).end());
    const err = await failure(channel.send(message(rx.url, secret)));
    expect([err.status, err.retryable, err.retryAfterMs]).toEqual([status, true, 7000]);
  });

  it("honours Retry-After as an HTTP date and caps it at an hour", async () => {
    const secret = newSecret();
    const at = new Date(Date.now() + 60_000).toUTCString();
    const dated = await receiver(secret, (_q, res) => res.writeHead(503, { "retry-after": at }).end());
    const e1 = await failure(channel.send(message(dated.url, secret)));
    expect(e1.retryAfterMs).toBeGreaterThan(55_000);
    expect(e1.retryAfterMs).toBeLessThanOrEqual(60_000);
    const long = await receiver(secret, (_q, res) => res.writeHead(429, { "retry-after": "86400" }).end());
    expect((await failure(channel.send(message(long.url, secret)))).retryAfterMs).toBe(3_600_000);
  });

  it.each([400, 401, 404, 410])("%i is permanent", async (status) => {
    const secret = newSecret();
    const rx = await receiver(secret, (_q, res) => res.writeHead(status).end("ECHO PAYLOAD-CANARY"));
    const err = await failure(channel.send(message(rx.url, secret)));
    expect([err.status, err.retryable]).toEqual([status, false]);
    // ART reads the classified reason; the log gets the message.
    expect(err.reason).toBe(status === 410 ? "answered 410 Gone" : `answered ${status}`);
    if (status === 410) expect(err.message).toContain("410 Gone: receiver asked us to stop");
  });

  it("does not follow a redirect, and treats it as permanent", async () => {
    const secret = newSecret();
    const elsewhere = await receiver(secret);
    const rx = await receiver(secret, (_q, res) => res.writeHead(301, { location: elsewhere.url }).end());
    const err = await failure(channel.send(message(rx.url, secret)));
    expect([err.status, err.retryable, err.reason]).toEqual([301, false, "redirect not followed"]);
    expect(elsewhere.received).toHaveLength(0);
  });

  it("times out a receiver that never answers, as retryable", async () => {
    const secret = newSecret();
    const rx = await receiver(secret, () => {});
    const started = Date.now();
    const err = await failure(
      new WebhookChannel({ timeoutMs: 300, allowLoopback: true }).send(message(rx.url, secret)),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect([err.status, err.retryable, err.code]).toEqual([undefined, true, "delivery_network_error"]);
    expect(err.message).toContain("timed out");
    expect(err.reason).toBe("timed out");
    expect(rx.received).toHaveLength(1);
  });

  it("treats a refused connection as retryable", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(channel.send(message(`http://127.0.0.1:${port}/hook`, newSecret())));
    expect([err.status, err.retryable]).toEqual([undefined, true]);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.reason).toBe("the provider's endpoint refused the connection");
  });

  it("is rejected by a receiver holding another secret: signatures really are checked", async () => {
    const rx = await receiver(newSecret(), (_q, res, r) => res.writeHead(r.verified ? 204 : 401).end());
    const err = await failure(channel.send(message(rx.url, newSecret())));
    expect(rx.received[0]?.verified).toBe(false);
    expect([err.status, err.retryable]).toEqual([401, false]);
  });

  it("reads at most a little of the response: an endless 200 body still resolves", async () => {
    const secret = newSecret();
    const rx = await receiver(secret, (_q, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("x".repeat(64 * 1024)); // and never end
    });
    await channel.send(message(rx.url, secret));
    expect(rx.received).toHaveLength(1);
  });

  it("refuses, permanently and without a request, a provider with no webhook configured", async () => {
    const err = await failure(channel.send(message("", "")));
    expect([err.status, err.retryable]).toEqual([400, false]);
    const bad = await failure(channel.send(message("http://127.0.0.1:1/x", "whsec_")));
    expect(bad.retryable).toBe(false);
  });
});
