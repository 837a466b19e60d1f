// The demo's webhook providers on this machine: one local endpoint per provider (/p/<key>) that checks each
// message's Standard Webhooks signature and hands referrals to the demo responder, which answers through the
// message's response_url like a real provider's system would. Emails go to the local inbox instead.
import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import type { DemoResponder } from "./demo-responder.js";

export interface DemoProvider {
  /** Stable across starts: the path of its endpoint, derived from the sample directory's webhook URL. */
  key: string;
  name: string;
  secret: string;
  /** Its place in the sample directory, which decides how it answers. */
  index: number;
}

export interface DemoProviderEndpoints {
  url: string;
  received: number;
  urlFor(key: string): string;
  /** Starts accepting these providers' messages (until then every message is refused with 401). */
  serve(providers: DemoProvider[], responder: DemoResponder): void;
  close(): Promise<void>;
}

/** Binds the endpoints' port at once (the demo binds every port before it changes anything). */
export async function startDemoProviders(port: number): Promise<DemoProviderEndpoints> {
  let byKey = new Map<string, DemoProvider & { verifier: Webhook }>();
  let responder: DemoResponder | undefined;
  const state = { received: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const provider = byKey.get(decodeURIComponent((req.url ?? "").replace(/^\/p\//, "")));
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: { type?: string; response_url?: string; referral?: { reference?: string } };
      try {
        if (!provider) throw new Error("unknown provider");
        body = provider.verifier.verify(raw, req.headers as Record<string, string>) as typeof body;
      } catch {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      state.received++;
      if (body.type === "referral.broadcast" && body.response_url)
        responder?.received(provider, body.referral?.reference ?? body.response_url, body.response_url);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    get received() {
      return state.received;
    },
    urlFor: (key) => `${url}/p/${encodeURIComponent(key)}`,
    serve(providers, r) {
      byKey = new Map(providers.map((p) => [p.key, { ...p, verifier: new Webhook(p.secret) }]));
      responder = r;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
