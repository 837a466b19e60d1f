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

export const REDACT_PATHS = RESTRICTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: { service: "referral-bot" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line written while serving a request, or running a job that request caused, names the request.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    opts.destination,
  );
}
