// The operations listener (METRICS_PORT): /metrics for Prometheus, /healthz and /readyz for probes. Every role
// runs it, so the worker role, which has no web server, can be probed and scraped too. It is a separate port so
// that a load balancer in front of the web port never exposes it.
import { createServer, type Server } from "node:http";
import type { Db } from "../db.js";
import { readiness } from "../http/readiness.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";
import { registry } from "./metrics.js";

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(
  o: { port: number; host: string; db: Db; redis: Redis },
  logger: Logger,
): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, "text/plain", "GET only\n");
    if (path === "/healthz") return send(200, "application/json", JSON.stringify({ status: "ok" }));
    if (path === "/readyz") {
      readiness({ ...o, logger }).then(
        (body) => send(body.status === "ready" ? 200 : 503, "application/json", JSON.stringify(body)),
        () => send(503, "application/json", JSON.stringify({ status: "not_ready" })),
      );
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (err: Error) => {
          logger.warn({ error: err.message.slice(0, 200) }, "metrics collection failed");
          send(500, "text/plain", "metrics collection failed\n");
        },
      );
      return;
    }
    send(404, "text/plain", "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const url = `http://${o.host}:${typeof addr === "object" && addr ? addr.port : o.port}`;
  logger.info({ url }, "metrics and probes listening");
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
