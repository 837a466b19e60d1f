// The first middleware of the web app: a request id (a sane incoming X-Request-Id, else a new UUID) returned in
// the X-Request-Id header and put in scope for every log line of the request and of the jobs it causes; the
// access log line; the request's duration metric; and its server span. Only the route pattern is
// ever recorded (never a raw path: /r/<token> paths hold providers' response tokens), and never a query string,
// a header or a body.
import { randomUUID } from "node:crypto";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "../logger.js";
import { isSaneRequestId, runWithRequestId } from "../observability/context.js";
import { httpDuration } from "../observability/metrics.js";
import { tracer } from "../observability/tracing.js";

/** Probes and scrapes: logged at debug only, or they would drown the access log. */
const QUIET = new Set(["/healthz", "/readyz", "/metrics"]);

/** Paths served by a whole sub-application (no Express route to read the pattern from). */
const MOUNTS = ["/admin/queues", "/slack/events", "/api/messages", "/inbound/email"];

/** The route pattern of a finished request, e.g. "/r/:token"; "unmatched" for anything else. */
export function routeOf(req: Request): string {
  const pattern = req.route?.path;
  if (typeof pattern === "string") return `${req.baseUrl}${pattern}`;
  const path = (req.originalUrl ?? req.url).split("?")[0] ?? "";
  if (QUIET.has(path)) return path;
  return MOUNTS.find((m) => path === m || path.startsWith(`${m}/`)) ?? "unmatched";
}

export function observeRequests(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && isSaneRequestId(incoming) ? incoming : randomUUID();
    (req as unknown as { requestId: string }).requestId = requestId;
    res.setHeader("X-Request-Id", requestId);

    const started = process.hrtime.bigint();
    const span = tracer().startSpan(`HTTP ${req.method}`, {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": req.method, "request.id": requestId },
    });
    res.once("finish", () => {
      const route = routeOf(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ "http.route": route, "http.response.status_code": res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      accessLine(logger, req, res, requestId, route, seconds, levelOf(req, res.statusCode));
    });
    // Closed before its answer was sent (the client went away): one line, as a failure of the client's.
    res.once("close", () => {
      if (!res.writableFinished) accessLine(logger, req, res, requestId, routeOf(req), undefined, "warn", "aborted");
    });
    context.with(trace.setSpan(context.active(), span), () => runWithRequestId(requestId, next));
  };
}

type Level = "debug" | "info" | "warn" | "error";

function levelOf(req: Request, status: number): Level {
  if (QUIET.has(pathOf(req))) return "debug";
  if (status >= 500) return "error";
  return status >= 400 ? "warn" : "info";
}

/**
 * The access log line, built only when its level is on: every request passes here, and a line that is not
 * written should cost nothing (a logger made per request, as a generic access logger does, measurably delayed
 * Slack's acks in a burst). The request id comes from the logger's mixin, in the request's scope.
 */
function accessLine(
  logger: Logger,
  req: Request,
  res: Response,
  requestId: string,
  route: string,
  seconds: number | undefined,
  level: Level,
  aborted?: "aborted",
): void {
  if (!logger.isLevelEnabled(level)) return;
  const line = {
    req: { method: req.method },
    res: { statusCode: res.statusCode },
    route,
    ...(seconds === undefined ? {} : { responseTime: Math.round(seconds * 1000) }),
  };
  const status = aborted ?? res.statusCode;
  runWithRequestId(requestId, () => logger[level](line, `${req.method} ${route} ${status}`));
}

function pathOf(req: Request): string {
  return (req.originalUrl ?? req.url ?? "").split("?")[0] ?? "";
}
