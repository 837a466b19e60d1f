// The Teams SDK logs through an ILogger of its own; this one forwards to the service's logger so nothing is
// printed to the console. Only the SDK's own words are kept: strings and error messages. Objects it passes
// along (it logs whole inbound activities at debug level, and those carry what people typed into the referral
// form, child's name included) are dropped, because flattened into a message they would escape redaction.
import type { ILogger } from "@microsoft/teams.common";
import type { Logger } from "../../src/logger.js";

export const flatten = (msg: unknown[]) =>
  msg
    .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : `[${typeof m}]`))
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
