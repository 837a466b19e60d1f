// What follows one piece of work from the HTTP request that started it, through the outbox and the job queue, to
// every job it causes: the request id (for logs) and the W3C trace context (for traces). It travels as a small
// "carrier" object stored beside outbox payloads and job data (ids only, never a child's details).
import { AsyncLocalStorage } from "node:async_hooks";
import { context, propagation } from "@opentelemetry/api";

export interface Carrier {
  traceparent?: string;
  tracestate?: string;
  requestId?: string;
}

/** The key under which outbox payloads and job data carry it. Job schemas ignore unknown keys. */
export const CARRIER_KEY = "_ctx";

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

export function runWithRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return requestId ? requestScope.run({ requestId }, fn) : fn();
}

/** The current request id and trace context, or undefined when there is neither. */
export function currentCarrier(): Carrier | undefined {
  const carrier: Carrier = {};
  // A no-op when tracing is off: no propagator is registered, so nothing is written.
  propagation.inject(context.active(), carrier);
  const requestId = currentRequestId();
  if (requestId) carrier.requestId = requestId;
  return Object.keys(carrier).length ? carrier : undefined;
}

/** Adds the current carrier to an outbox payload or job data (left as it is when there is none). */
export function withCarrier<T extends object>(data: T): T {
  const carrier = currentCarrier();
  return carrier ? { ...data, [CARRIER_KEY]: carrier } : data;
}

/** Reads a carrier back from stored data; anything malformed is ignored rather than trusted. */
export function carrierOf(data: unknown): Carrier | undefined {
  const raw = (data as Record<string, unknown> | null)?.[CARRIER_KEY];
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  const carrier: Carrier = {};
  if (typeof r.traceparent === "string" && r.traceparent.length <= 128) carrier.traceparent = r.traceparent;
  if (typeof r.tracestate === "string" && r.tracestate.length <= 512) carrier.tracestate = r.tracestate;
  if (typeof r.requestId === "string" && isSaneRequestId(r.requestId)) carrier.requestId = r.requestId;
  return carrier;
}

/** Runs fn with the carrier's trace context as parent and its request id in scope. */
export function runWithCarrier<T>(carrier: Carrier | undefined, fn: () => T): T {
  if (!carrier) return fn();
  const parent = propagation.extract(context.active(), carrier);
  return context.with(parent, () => runWithRequestId(carrier.requestId, fn));
}

/** Incoming X-Request-Id values are echoed into logs and headers: short, and from a safe alphabet only. */
export function isSaneRequestId(id: string): boolean {
  return /^[A-Za-z0-9._:-]{8,128}$/.test(id);
}
