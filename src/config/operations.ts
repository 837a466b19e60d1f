// The operations settings (metrics, traces, the queue dashboard). Read as part of src/config.ts's one schema:
// loadConfig is still the only reader of the environment.
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { bool, port } from "./fields.js";

/** "10.0.0.0/8,192.0.2.7" into [address, prefix length] pairs (a bare address is a /32 or /128). */
const ipList = z.string().transform((raw, ctx) => {
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      ranges.push(part.includes("/") ? ipaddr.parseCIDR(part) : [ipaddr.parse(part), part.includes(":") ? 128 : 32]);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${part.slice(0, 60)}" is not an IP address or CIDR range` });
      return z.NEVER;
    }
  }
  return ranges;
});

export const operationsSettings = {
  // A second listener for /metrics, /healthz and /readyz, kept off the public port so that metrics are never
  // exposed through the load balancer, and so that the worker role (which has no HTTP server) can be probed.
  METRICS_PORT: port(0),
  // Traces go to this OTLP/HTTP collector (e.g. http://otel-collector:4318); unset = no tracing at all.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ error: "must be a URL such as http://otel-collector:4318" }).optional(),
  OTEL_SERVICE_NAME: z.string().max(100).default("referral-bot"),
  // Client addresses (or CIDR ranges) let into /admin/queues without a token, e.g. the council's admin network.
  ADMIN_ALLOWED_IPS: ipList.default([]),
  // The dashboard is read-only unless this is true: retrying, cleaning or removing jobs changes the work done.
  ADMIN_QUEUES_WRITE: bool(false),
};
