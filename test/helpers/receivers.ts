// Real local endpoints that stand in for providers: HTTP webhook receivers that verify every Standard Webhooks
// signature, and an SMTP server that parses every message. Both record what they accepted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";
import type { Db } from "../../src/db.js";

export interface ReceivedWebhook {
  path: string;
  id: string;
  body: Record<string, unknown>;
}

/** What a receiver does with a request: answer a status (with headers), or hang (never answer). */
export type Behaviour = (req: {
  path: string;
  id: string;
  attempt: number;
}) => { status: number; headers?: Record<string, string>; delayMs?: number } | "hang";

export class WebhookReceivers {
  readonly accepted: ReceivedWebhook[] = [];
  readonly attempts = new Map<string, number>();
  readonly badSignatures: string[] = [];
  private readonly secrets = new Map<string, string>();
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  behaviour: Behaviour = () => ({ status: 200 });
  port = 0;

  secretFor(path: string): string {
    let s = this.secrets.get(path);
    if (!s) {
      s = `whsec_${Buffer.from(path.padEnd(24, "#").slice(0, 32)).toString("base64")}`;
      this.secrets.set(path, s);
    }
    return s;
  }

  urlFor(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Unique message ids accepted per path: a Standard Webhooks receiver drops repeats by webhook-id. */
  uniqueAccepted(path?: string): Set<string> {
    return new Set(this.accepted.filter((a) => !path || a.path === path).map((a) => `${a.path}#${a.id}`));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = req.url ?? "/";
    const id = String(req.headers["webhook-id"] ?? "");
    const attempt = (this.attempts.get(`${path}#${id}`) ?? 0) + 1;
    this.attempts.set(`${path}#${id}`, attempt);
    try {
      new Webhook(this.secretFor(path)).verify(raw, req.headers as Record<string, string>);
    } catch {
      this.badSignatures.push(path);
      res.writeHead(401).end();
      return;
    }
    const outcome = this.behaviour({ path, id, attempt });
    if (outcome === "hang") {
      this.hanging.add(res);
      return;
    }
    if (outcome.delayMs) await new Promise((r) => setTimeout(r, outcome.delayMs));
    // Accepted means processed by the provider's system, whether or not the sender is still there to hear it.
    if (outcome.status >= 200 && outcome.status < 300) this.accepted.push({ path, id, body: JSON.parse(raw) });
    if (!res.destroyed) res.writeHead(outcome.status, outcome.headers).end();
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ParsedMail[] {
    const want = address.toLowerCase();
    const addressesOf = (m: ParsedMail) => {
      const list = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
      return list.flatMap((a) => a.value.map((v) => (v.address ?? "").toLowerCase()));
    };
    return this.messages.filter((m) => addressesOf(m).includes(want));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

/** Polls until `check` is true (for outcomes that arrive through queues), failing with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `count` providers on lot `lotNumber`, each a webhook at this receiver's path `/<prefix><i>`, named by `name(i)`.
 * Returns their ids in order.
 */
export async function webhookProviders(
  db: Db,
  receivers: WebhookReceivers,
  o: { lotNumber: number; prefix: string; count: number; name: (i: number) => string; needs?: string[] },
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const lot = await db.lot.findUniqueOrThrow({ where: { number: o.lotNumber } });
  const ids: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const path = `/${o.prefix}${i}`;
    const p = await db.provider.create({
      data: {
        name: o.name(i),
        webhookUrl: receivers.urlFor(path),
        webhookSecret: receivers.secretFor(path),
        needsCovered: o.needs ?? ["SEMH"],
        lots: { create: { lotId: lot.id } },
        ...extra,
      },
    });
    ids.push(p.id);
  }
  return ids;
}
