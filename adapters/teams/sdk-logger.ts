// The Teams SDK logs through an ILogger of its own; this one forwards to the service's logger so nothing is
// printed to the console and the service's redaction applies. Messages are flattened to one string.
import type { ILogger } from "@microsoft/teams.common";
import type { Logger } from "../../src/logger.js";

const flatten = (msg: unknown[]) =>
  msg
    .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
    .join(" ")
    .slice(0, 500);

export function sdkLogger(logger: Logger, name = "teams-sdk"): ILogger {
  const self: ILogger = {
    debug: (...msg) => logger.debug({ sdk: name }, flatten(msg)),
    info: (...msg) => logger.debug({ sdk: name }, flatten(msg)),
    warn: (...msg) => logger.warn({ sdk: name }, flatten(msg)),
    error: (...msg) => logger.error({ sdk: name }, flatten(msg)),
    trace: (...msg) => logger.trace({ sdk: name }, flatten(msg)),
    log: (level, ...msg) =>
      level === "error" ? self.error(...msg) : level === "warn" ? self.warn(...msg) : self.debug(...msg),
    child: (child) => sdkLogger(logger, `${name}/${child}`),
  };
  return self;
}
