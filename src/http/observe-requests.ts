// The first middleware of the web app: a request id (a sane incoming X-Request-Id, else a new UUID) returned in
// the X-Request-Id header and put in scope for every log line of the request and of the jobs it causes; the
// access log line (pino-http); the request's duration metric; and its server span. Only the route pattern is
// ever recorded (never a raw path: /r/<token> paths hold providers' response tokens), and never a query string,
// a header or a body.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { pinoHttp } from "pino-http";
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

export function observeRequests(logger: Logger): RequestHandler[] {
  const accessLog = pinoHttp({
    logger,
    genReqId: (req) => (req as unknown as { requestId: string }).requestId,
    // The request id comes from the logger's mixin (the request's scope), so it is not repeated here.
    customLogLevel: (req, res, err) => {
      if (QUIET.has(pathOf(req))) return "debug";
      if (err || res.statusCode >= 500) return "error";
      return res.statusCode >= 400 ? "warn" : "info";
    },
    serializers: {
      // Serialised when the request starts, before routing: the route is added to the finished line below.
      req: (req: { method: string }) => ({ method: req.method }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessObject: (req, _res, line) => ({ ...line, route: routeOf(req as Request) }),
    customErrorObject: (req, _res, _err, line) => ({ ...line, route: routeOf(req as Request) }),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req as Request)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req as Request)} ${res.statusCode}`,
  });

  const scope = (req: Request, res: Response, next: NextFunction) => {
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
      httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ "http.route": route, "http.response.status_code": res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), () => runWithRequestId(requestId, next));
  };
  return [scope, accessLog as unknown as RequestHandler];
}

function pathOf(req: IncomingMessage): string {
  return ((req as Request).originalUrl ?? req.url ?? "").split("?")[0] ?? "";
}
