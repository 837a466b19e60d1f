// Webhook receivers for the benchmarks: one HTTP server per provider host, each on its own loopback address
// (127.x.y.z: Linux routes all of 127/8 to the loopback interface), so the service's per-destination limit sees
// distinct hosts; or every provider on one host. Each verifies the Standard Webhooks signature, waits the
// provider's answer time, and records when it answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { Db } from "../../../src/db.js";

export interface Answered {
  path: string;
  id: string;
  at: number;
  body: string;
}

/** The i-th distinct loopback address (never .0 or .255 in the last place). */
export const hostAddress = (i: number) =>
  `127.${20 + Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${1 + (i % 250)}`;

export class LoopbackHosts {
  readonly answered: Answered[] = [];
  badSignatures = 0;
  /** TCP connections the receivers accepted since the last reset: a client that keeps them alive opens none. */
  connections = 0;
  /** How long a provider takes to answer (ms). */
  delayMs = 0;
  private readonly servers: Server[] = [];
  private readonly urls: string[] = [];
  private readonly seen = new Set<string>();

  /** `hosts` servers on distinct addresses; providers are spread over them. */
  constructor(private readonly hosts: number) {}

  async start(): Promise<void> {
    for (let i = 0; i < this.hosts; i++) {
      const server = createServer((req, res) => void this.handle(req, res));
      server.keepAliveTimeout = 30_000;
      server.on("connection", () => this.connections++);
      const address = this.hosts === 1 ? "127.0.0.1" : hostAddress(i);
      await new Promise<void>((r) => server.listen(0, address, r));
      this.servers.push(server);
      this.urls.push(`http://${address}:${(server.address() as AddressInfo).port}`);
    }
  }

  urlFor(provider: number): string {
    return `${this.urls[provider % this.urls.length]}/p${provider}`;
  }

  secretFor(provider: number): string {
    return `whsec_${Buffer.from(`bench-secret-${provider}`.padEnd(24, "#")).toString("base64")}`;
  }

  /** Distinct messages answered (a repeated webhook-id to the same path counts once). */
  uniqueCount(): number {
    return this.seen.size;
  }

  reset(): void {
    this.answered.length = 0;
    this.seen.clear();
    this.badSignatures = 0;
    this.connections = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = req.url ?? "/";
    const id = String(req.headers["webhook-id"] ?? "");
    try {
      new Webhook(this.secretFor(Number(path.slice(2)))).verify(raw, req.headers as Record<string, string>);
    } catch {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.answered.push({ path, id, at: performance.now(), body: raw });
    this.seen.add(`${path}#${id}`);
    res.writeHead(200).end();
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** `count` webhook providers on this lot, at these receivers. */
export async function benchProviders(db: Db, hosts: LoopbackHosts, lotNumber: number, count: number, tag: string) {
  const lot = await db.lot.findUniqueOrThrow({ where: { number: lotNumber } });
  const rows = Array.from({ length: count }, (_, i) => ({
    name: `${tag} ${i}`,
    webhookUrl: hosts.urlFor(i),
    webhookSecret: hosts.secretFor(i),
    needsCovered: ["SEMH"],
  }));
  for (let i = 0; i < rows.length; i += 2000) await db.provider.createMany({ data: rows.slice(i, i + 2000) });
  const ids = await db.provider.findMany({ where: { name: { startsWith: `${tag} ` } }, select: { id: true } });
  await db.providerLot.createMany({ data: ids.map((p) => ({ providerId: p.id, lotId: lot.id })) });
}
