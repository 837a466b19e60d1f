// Server-side request forgery through a provider's webhook URL. A listener waits on loopback for every case, so
// "refused" is checked where it matters: no socket was opened and the listener received nothing. Host names
// resolve through a stub (the channel's injected resolver), never through DNS.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Resolver } from "../../src/delivery/address-guard.js";
import { DeliveryError } from "../../src/errors.js";
import type { OutboundDelivery } from "../../src/ports.js";

const secret = `whsec_${randomBytes(24).toString("base64")}`;
let listener: http.Server;
let port: number;
const arrived: { host: string | undefined; verified: boolean }[] = [];
let connects: unknown[] = [];

beforeAll(async () => {
  listener = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let verified = true;
      try {
        new Webhook(secret).verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      arrived.push({ host: req.headers.host, verified });
      if (req.url === "/moved") res.writeHead(302, { location: `http://127.0.0.1:${port}/hook` }).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  listener.closeAllConnections();
  await new Promise((r) => listener.close(r));
});
beforeEach(() => {
  arrived.length = 0;
  connects = [];
  const original = net.Socket.prototype.connect;
  vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    connects.push(args[0]);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  });
});
afterEach(() => vi.restoreAllMocks());

function message(webhookUrl: string): OutboundDelivery {
  return {
    kind: "referral",
    messageId: `msg-${randomBytes(6).toString("hex")}`,
    deliveryId: "3d0c6a52-8a43-4a3a-9d7e-2b8f6e1c0a11",
    provider: { id: "prov-1", name: "Nene Valley Care", webhookUrl, webhookSecret: secret },
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
      summary: "Enjoys football.",
    },
    responseUrl: "http://127.0.0.1:3000/r/abcdefghijklmnopqrstuv",
  };
}

/** A resolver stub: each name answers the addresses given, and every question is recorded. */
function resolverOf(answers: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const fn: Resolver = async (host) => {
    asked.push(host);
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  return Object.assign(fn, { asked });
}

async function failure(promise: Promise<void>): Promise<DeliveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

const strictChannel = (resolve: Resolver) => new WebhookChannel({ timeoutMs: 2000, allowLoopback: false, resolve });
const devChannel = (resolve: Resolver) => new WebhookChannel({ timeoutMs: 2000, allowLoopback: true, resolve });

describe("webhook SSRF: forbidden destinations are refused before any connection", () => {
  const LITERALS = () => [
    `http://127.0.0.1:${port}/hook`,
    `https://127.0.0.1:${port}/hook`,
    `http://2130706433:${port}/hook`,
    `http://0x7f.1:${port}/hook`,
    `http://0177.0.0.1:${port}/hook`,
    `http://127.1:${port}/hook`,
    `http://127.0.0.1.:${port}/hook`,
    `http://[::1]:${port}/hook`,
    `http://[::ffff:127.0.0.1]:${port}/hook`,
    `http://localhost:${port}/hook`,
    `http://localhost.:${port}/hook`,
    `https://10.0.0.1:${port}/hook`,
    `https://172.16.5.4/hook`,
    `https://192.168.1.1/hook`,
    `https://100.64.0.1/hook`,
    "http://169.254.169.254/latest/meta-data/iam/",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://255.255.255.255/hook",
    "https://192.0.2.1/hook",
    "https://[fc00::1]/hook",
    "https://[fd00:ec2::254]/hook",
    "https://[fe80::1]/hook",
    "https://[::]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:a9fe:a9fe::1]/hook",
  ];

  it("refuses every literal spelling of a forbidden address, permanently, with a classified reason", async () => {
    const resolve = resolverOf({});
    for (const url of LITERALS()) {
      const err = await failure(strictChannel(resolve).send(message(url)));
      expect([url, err.reason, err.retryable]).toEqual([url, "address not allowed", false]);
    }
    expect(connects).toEqual([]);
    expect(arrived).toEqual([]);
    expect(resolve.asked).toEqual([]);
  });

  it("refuses a host name that resolves to loopback, though a listener is waiting there", async () => {
    const resolve = resolverOf({
      "evil.example": ["127.0.0.1"],
      "rebind.example": ["93.184.215.14", "127.0.0.1"],
      "six.example": ["::1"],
    });
    for (const host of ["evil.example", "EVIL.example.", "rebind.example", "six.example"]) {
      const err = await failure(strictChannel(resolve).send(message(`https://${host}:${port}/hook`)));
      expect(err.reason).toBe("address not allowed");
      expect(err.retryable).toBe(false);
    }
    expect(connects).toEqual([]);
    expect(arrived).toEqual([]);
  });

  it("refuses names resolving to private, link-local or ULA addresses even with the development setting", async () => {
    const resolve = resolverOf({
      "ten.example": ["10.0.0.1"],
      "meta.example": ["169.254.169.254"],
      "ula.example": ["fd12::1"],
      "mapped.example": ["::ffff:192.168.0.1"],
      localhost: ["10.9.9.9"],
    });
    for (const host of ["ten.example", "meta.example", "ula.example", "mapped.example", "localhost"]) {
      const err = await failure(devChannel(resolve).send(message(`http://${host}:${port}/hook`)));
      expect([host, err.reason]).toEqual([host, "address not allowed"]);
    }
    expect(connects).toEqual([]);
    expect(arrived).toEqual([]);
  });

  it("does not send the referral over plain http to a public address", async () => {
    const resolve = resolverOf({ "provider.example": ["93.184.215.14"] });
    const err = await failure(strictChannel(resolve).send(message("http://provider.example/hook")));
    expect([err.reason, err.retryable]).toEqual(["the webhook URL must use https", false]);
    expect(connects).toEqual([]);
  });

  it("says the host could not be found, without naming it, and retries later", async () => {
    const err = await failure(strictChannel(resolverOf({})).send(message("https://gone.example/hook")));
    expect([err.reason, err.retryable]).toEqual(["the provider's host name could not be found", true]);
    expect(connects).toEqual([]);
  });
});

describe("webhook SSRF: the allowed path", () => {
  it("with the development setting, a loopback receiver gets the signed webhook", async () => {
    await devChannel(resolverOf({})).send(message(`http://127.0.0.1:${port}/hook`));
    expect(arrived).toEqual([{ host: `127.0.0.1:${port}`, verified: true }]);
  });

  it("connects to the address that was checked, once resolved, with the URL's host in the Host header", async () => {
    // A receiver of its own, so no kept-alive socket from an earlier test stands in for a new connection.
    const own = http.createServer((req, res) => {
      arrived.push({ host: req.headers.host, verified: true });
      req.resume().on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const ownPort = (own.address() as AddressInfo).port;
    const resolve = resolverOf({ "provider.test": ["127.0.0.1"] });
    await devChannel(resolve).send(message(`http://provider.test:${ownPort}/hook`));
    own.closeAllConnections();
    await new Promise((r) => own.close(r));
    expect(resolve.asked).toEqual(["provider.test"]);
    expect(arrived).toEqual([{ host: `provider.test:${ownPort}`, verified: true }]);
    // The socket was opened to the vetted IP, not to the name (which a second lookup could rebind).
    const hosts = connects.map((c) => (Array.isArray(c) ? c[0] : c) as { host?: string }).map((o) => o?.host);
    expect(hosts).toEqual(["127.0.0.1"]);
  });

  it("does not follow a redirect, even to an allowed address, and says so", async () => {
    const err = await failure(devChannel(resolverOf({})).send(message(`http://127.0.0.1:${port}/moved`)));
    expect([err.reason, err.retryable]).toEqual(["redirect not followed", false]);
    expect(arrived).toHaveLength(1);
  });

  it("classifies a refused connection without the address or the socket error", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure(devChannel(resolverOf({})).send(message(`http://127.0.0.1:${closedPort}/hook`)));
    expect([err.reason, err.retryable]).toEqual(["the provider's endpoint refused the connection", true]);
    expect(err.reason).not.toMatch(/ECONN|127\.0\.0\.1|\d{4}/);
  });

  it("without the development setting refuses even the loopback receiver", async () => {
    const channel = new WebhookChannel({ timeoutMs: 2000 });
    const err = await failure(channel.send(message(`http://127.0.0.1:${port}/hook`)));
    expect(err.reason).toBe("address not allowed");
    expect(arrived).toEqual([]);
  });

  it("says 'TLS certificate problem' for a certificate the system does not trust, checked against the URL's name", async () => {
    // A self-signed certificate for provider.test, made with openssl for this test only.
    const dir = mkdtempSync(join(tmpdir(), "ssrf-tls-"));
    execFileSync("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=provider.test"],
      ...["-addext", "subjectAltName=DNS:provider.test"],
    ]);
    const names: string[] = [];
    const tlsFiles = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
    const server = https.createServer(
      {
        ...tlsFiles,
        // Records the server name the client asked for (SNI): the URL's name, though the socket went to the IP.
        SNICallback: (name, cb) => {
          names.push(name);
          cb(null, tls.createSecureContext(tlsFiles));
        },
      },
      (_req, res) => res.writeHead(204).end(),
    );
    server.on("tlsClientError", () => {});
    rmSync(dir, { recursive: true });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const tlsPort = (server.address() as AddressInfo).port;
    try {
      const resolve = resolverOf({ "provider.test": ["127.0.0.1"] });
      const err = await failure(devChannel(resolve).send(message(`https://provider.test:${tlsPort}/hook`)));
      expect([err.reason, err.retryable]).toEqual(["TLS certificate problem", true]);
      expect(err.message).toMatch(/SELF_SIGNED/);
      expect(names).toEqual(["provider.test"]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
