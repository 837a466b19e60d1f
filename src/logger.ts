// pino JSON logs. Restricted details should never reach a log call in the first place (they are only decrypted
// for an authorised viewer); redaction is the second line of defence for fields with these names anywhere.
import pino, { type DestinationStream, type Logger } from "pino";
import { currentRequestId } from "./observability/context.js";

export type { Logger };

const RESTRICTED_FIELDS = [
  "restricted",
  "restrictedDetails",
  "restrictedEnvelope",
  "childName",
  "firstName",
  "lastName",
  "dateOfBirth",
  "dob",
  "address",
  "caseSystemId",
  "narrative",
  "risks",
  "token",
  "authorization",
  "webhookSecret",
];

const RESTRICTED = new Set(RESTRICTED_FIELDS);
/** Levels of nesting searched: `{ referral: { restricted: { childName } } }` and one more. */
const REDACT_DEPTH = 4;
const CENSOR = "[redacted]";

/**
 * What is logged, with every field named in RESTRICTED_FIELDS (down to REDACT_DEPTH levels, arrays included)
 * replaced by the censor. Copy on write: an object with nothing to censor is returned as it is, and the caller's
 * object is never changed. pino's own `redact` option did this from a list of paths, which it parsed again for
 * every object-valued field of every line: measured in a burst of Slack requests, that was a quarter of what the
 * web role allocated and most of its garbage collection, for access lines with nothing to censor.
 */
export function redactRestricted<T>(value: T, depth = REDACT_DEPTH): T {
  // Binary data holds no field names, and walking a buffer's indices would cost as much as it is long.
  if (depth === 0 || typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = redactRestricted(value[i], depth - 1);
      if (item !== value[i]) copy ??= value.slice();
      if (copy) copy[i] = item;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const v = source[key];
    const out = RESTRICTED.has(key) ? CENSOR : redactRestricted(v, depth - 1);
    if (out === v) continue;
    copy ??= copyOf(value);
    copy[key] = out;
  }
  return (copy ?? value) as T;
}

/** A shallow copy to censor; an error keeps what its serialiser writes (type, message, stack, cause). */
function copyOf(value: object): Record<string, unknown> {
  if (!(value instanceof Error)) return { ...value };
  const err = Object.assign(Object.create(Object.getPrototypeOf(value)), value) as Record<string, unknown>;
  for (const k of ["message", "stack", "cause"] as const) if (k in value) err[k] = (value as never)[k];
  return err;
}

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const logger = pino(
    {
      level: opts.level ?? "info",
      base: { service: "referral-bot" },
      // Each line's fields, censored (see redactRestricted).
      formatters: { log: (o) => redactRestricted(o) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line written while serving a request, or running a job that request caused, names the request.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    opts.destination,
  );
  // A child logger's bindings, censored too: pino gives them to no formatter of ours. Children inherit this
  // `child` from the logger they were made from, so every generation goes through it.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactRestricted(bindings), options);
  } as typeof logger.child;
  return logger;
}
