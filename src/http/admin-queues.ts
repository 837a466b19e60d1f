// The queue dashboard (bull-board) at /admin/queues, for operators: job ids, states, attempts and errors. Job data
// holds ids only, and the dashboard shows only the id-like fields of it anyway. It is read-only unless
// ADMIN_QUEUES_WRITE=true (refused here before bull-board sees the request, and bull-board's own read-only mode).
import { timingSafeEqual } from "node:crypto";
import type { Express, Request, RequestHandler } from "express";
import ipaddr from "ipaddr.js";
import type { JobQueues } from "../queue/queues.js";
import { type ApiToken, tokenDigest } from "./api-tokens.js";

export const ADMIN_QUEUES_PATH = "/admin/queues";

export interface AdminAccessSettings {
  /** ART_API_TOKENS: a token with the `admin` scope opens the dashboard; any other known token is 403. */
  apiTokens: ApiToken[];
  allowedIps: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export type AdminAccess = "allowed" | "unauthenticated" | "forbidden";

/** The token given as a Bearer token, or as the password of Basic auth (so a browser can open the dashboard). */
function presentedToken(req: Request): string | undefined {
  const header = req.get("authorization") ?? "";
  const bearer = /^Bearer (\S+)$/.exec(header)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i >= 0 && decoded.length - i > 1 ? decoded.slice(i + 1) : undefined;
}

function ipAllowed(req: Request, ranges: AdminAccessSettings["allowedIps"]): boolean {
  if (!ranges.length || !req.ip) return false;
  try {
    let addr = ipaddr.parse(req.ip);
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress())
      addr = (addr as ipaddr.IPv6).toIPv4Address();
    return ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  } catch {
    return false;
  }
}

/**
 * Who may see the queues: an address on the allow-list, or the holder of an API token with the `admin` scope. A
 * known token without it is forbidden; no token, or an unknown one, is unauthenticated.
 */
export function adminAccess(req: Request, s: AdminAccessSettings): AdminAccess {
  if (ipAllowed(req, s.allowedIps)) return "allowed";
  const token = presentedToken(req);
  if (!token) return "unauthenticated";
  const given = tokenDigest(token);
  // Every entry is compared, so the time taken does not tell which one matched.
  let found: ApiToken | undefined;
  for (const t of s.apiTokens) if (timingSafeEqual(given, t.digest)) found ??= t;
  if (!found) return "unauthenticated";
  return found.scopes.has("admin") ? "allowed" : "forbidden";
}

/** Only the id-like fields of a job's data are shown (and the type of an event), never anything else. */
export function visibleJobData(data: unknown): Record<string, unknown> {
  if (!data || typeof data !== "object") return {};
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (/(^id$|Id$|^ids$|^round$|^bucket$|^platform$)/.test(key)) shown[key] = value;
    else if (key === "event" && value && typeof value === "object") {
      shown.eventType = (value as { type?: unknown }).type;
    }
  }
  return shown;
}

type DashboardOptions = { queues: JobQueues; queueNames: string[]; access: AdminAccessSettings; writable: boolean };

/** bull-board's router for the queues (its modules, some 11 MB of heap, are loaded here). */
async function dashboardRouter(o: DashboardOptions): Promise<RequestHandler> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/express"),
  ]);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  const adapters = o.queueNames.map((name) => {
    const adapter = new BullMQAdapter(o.queues.queue(name), { readOnlyMode: !o.writable });
    adapter.setFormatter("data", visibleJobData);
    adapter.setFormatter("returnValue", () => null);
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    // @bull-board/express pins its own copy of @bull-board/api one patch apart: the same shape, other declarations.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
    options: { uiConfig: { boardTitle: "referral-bot queues" } },
  });
  return serverAdapter.getRouter() as RequestHandler;
}

export function mountAdminQueues(app: Express, o: DashboardOptions): void {
  // Built at the first request let through, not at start-up: most processes never show the dashboard.
  let router: Promise<RequestHandler> | undefined;
  app.use(
    ADMIN_QUEUES_PATH,
    (req, res, next) => {
      const access = adminAccess(req, o.access);
      if (access === "unauthenticated") {
        res.set("WWW-Authenticate", 'Basic realm="referral-bot queues", charset="UTF-8"');
        res.status(401).json({ error: { code: "unauthenticated", message: "An admin token is required" } });
        return;
      }
      if (access === "forbidden") {
        res.status(403).json({ error: { code: "forbidden", message: "This token may not see the queues" } });
        return;
      }
      if (!o.writable && !["GET", "HEAD"].includes(req.method)) {
        res.status(403).json({ error: { code: "read_only", message: "The queue dashboard is read-only" } });
        return;
      }
      next();
    },
    (req, res, next) => {
      router ??= dashboardRouter(o);
      router.then((handle) => handle(req, res, next), next);
    },
  );
}
