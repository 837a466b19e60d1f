// Demo providers on this machine: one local webhook endpoint per provider that checks each message's Standard
// Webhooks signature and, for some referrals, answers through the message's response_url like a real provider's
// system would (an offer, a decline or a question, after a short pause). Emails go to the local inbox instead.
import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import type { Logger } from "../logger.js";

export interface DemoProvider {
  key: string;
  name: string;
  secret: string;
}

export interface DemoProviderEndpoints {
  url: string;
  received: number;
  answered: number;
  urlFor(key: string): string;
  close(): Promise<void>;
}

/** Deterministic behaviour per provider, so the demo looks the same each time: about 1 in 3 offers. */
function answerFor(index: number, name: string) {
  // Under the default second-approval threshold (£5,000), so one ART approval places the child.
  const weekly = 3600 + ((index * 137) % 1300);
  switch (index % 6) {
    case 0:
    case 3:
      return {
        type: "offer",
        weeklyCostGbp: weekly,
        startDate: new Date(Date.now() + (7 + (index % 10)) * 86_400_000).toISOString().slice(0, 10),
        needsMet: `${name}: experienced with the needs described; a quiet room and a key worker are ready.`,
      };
    case 1:
      return {
        type: "decline",
        reason: index % 2 ? "no_vacancy" : "cannot_meet_needs",
        notes: "Sorry, not this time.",
      };
    case 4:
      return { type: "question", question: "Does the young person have contact with siblings, and how often?" };
    default:
      return undefined;
  }
}

export async function startDemoProviders(
  providers: DemoProvider[],
  opts: { answerDelayMs: number; logger: Logger; port?: number },
): Promise<DemoProviderEndpoints> {
  const byKey = new Map(providers.map((p, i) => [p.key, { ...p, index: i, verifier: new Webhook(p.secret) }]));
  const timers = new Set<NodeJS.Timeout>();
  const state = { received: 0, answered: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const provider = byKey.get((req.url ?? "").replace(/^\/p\//, ""));
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: { type?: string; response_url?: string };
      try {
        if (!provider) throw new Error("unknown provider");
        body = provider.verifier.verify(raw, req.headers as Record<string, string>) as typeof body;
      } catch {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      state.received++;
      const answer = body.type === "referral.broadcast" ? answerFor(provider.index, provider.name) : undefined;
      if (!answer || !body.response_url) return;
      const timer = setTimeout(
        async () => {
          timers.delete(timer);
          try {
            const r = await fetch(body.response_url!, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(answer),
            });
            if (r.ok) state.answered++;
          } catch (err) {
            opts.logger.warn({ error: (err as Error).message }, "demo provider could not answer");
          }
        },
        opts.answerDelayMs * (1 + (provider.index % 4)),
      );
      timers.add(timer);
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    get received() {
      return state.received;
    },
    get answered() {
      return state.answered;
    },
    urlFor: (key) => `${url}/p/${key}`,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
