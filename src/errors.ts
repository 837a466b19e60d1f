// Typed errors with a stable `code` that callers (HTTP, jobs, chat adapters) can switch on.
// `retryable` separates failures worth another attempt (network, 5xx, 408, 429) from permanent ones.
import { answeredReason, FAILURE_REASONS, type FailureReason } from "./delivery/failure-reasons.js";

export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly httpStatus: number;
  constructor(code: string, message: string, opts: { retryable?: boolean; httpStatus?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.httpStatus = opts.httpStatus ?? 500;
  }
}

export class ConfigError extends AppError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("config_invalid", `Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

export class IllegalTransitionError extends AppError {
  constructor(
    readonly from: string,
    readonly event: string,
  ) {
    super("illegal_transition", `Cannot ${event} a referral that is ${from}`, { httpStatus: 409 });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super("conflict", message, { httpStatus: 409 });
  }
}

/** An offer ART has already approved or declined: an offer is decided once (HTTP 409). */
export class OfferAlreadyDecidedError extends AppError {
  constructor(message: string) {
    super("offer_already_decided", message, { httpStatus: 409 });
  }
}

/** An offer the provider replaced with a revised one, or withdrew: only the provider's live offer can be decided. */
export class OfferNotLiveError extends AppError {
  constructor(message: string) {
    super("offer_not_live", message, { httpStatus: 409 });
  }
}

/** A provider changing an offer ART has already approved: it stands, whatever the link is asked. */
export class OfferAlreadyAcceptedError extends AppError {
  constructor() {
    super(
      "offer_already_accepted",
      "Your offer has already been accepted, so it cannot be changed or withdrawn. Please contact the council's Access to Resources Team",
      { httpStatus: 409 },
    );
  }
}

/**
 * A referral for a child who already has a live one (matched on keyed hashes of the case id, or of name and date
 * of birth): refused unless the caller gives a reason (HTTP 409, with the existing reference).
 */
export class DuplicateReferralError extends AppError {
  constructor(
    readonly existingReference: string,
    readonly matchedOn: ("case_id" | "name_and_date_of_birth")[],
  ) {
    super(
      "duplicate_referral",
      `This child may already have a live referral, ${existingReference}. To raise another anyway, give a duplicateReason`,
      { httpStatus: 409 },
    );
  }
}

/** An Idempotency-Key used before with a different request body (HTTP 422): the caller has a bug, not a retry. */
export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      "idempotency_key_reused",
      "This Idempotency-Key was used before with a different request; use a new key for a new referral",
      { httpStatus: 422 },
    );
  }
}

/** A port something else already listens on; the message names the setting that moves it. */
export class PortInUseError extends AppError {
  constructor(
    readonly port: number,
    readonly setting: string,
    what: string,
  ) {
    super(
      "port_in_use",
      `Port ${port} (${what}) is already in use, perhaps by another demo: stop that, or set ${setting} to a free port.`,
    );
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super("not_found", `${what} not found`, { httpStatus: 404 });
  }
}

/** A link or resource that existed but has expired (HTTP 410). */
export class GoneError extends AppError {
  constructor(message: string) {
    super("gone", message, { httpStatus: 410 });
  }
}

/** The referral is placed, withdrawn or expired: a response link or reply for it is refused (HTTP 410). */
export class ReferralClosedError extends AppError {
  constructor() {
    super("referral_closed", "This referral has closed and is no longer available", { httpStatus: 410 });
  }
}

/** No valid credentials were given (HTTP 401); ForbiddenError is for callers known but not allowed. */
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super("unauthorized", message, { httpStatus: 401 });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super("forbidden", message, { httpStatus: 403 });
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super("validation_failed", message, { httpStatus: 400 });
  }
}

export class DecryptionError extends AppError {
  constructor(message: string) {
    super("decryption_failed", message);
  }
}

/**
 * A failure talking to an outside system, classified by HTTP status: 408, 429 and 5xx retry; other 4xx do not.
 * `message` is the detail for the log (host, socket error); `reason` is what ART may read in the thread and the
 * digest, from the closed vocabulary in delivery/failure-reasons.ts.
 */
export class DeliveryError extends AppError {
  readonly reason: FailureReason;
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs?: number,
    cause?: unknown,
    reason?: FailureReason,
  ) {
    super(status === undefined ? "delivery_network_error" : `delivery_http_${status}`, message, {
      retryable: isRetryableStatus(status),
      cause,
    });
    this.reason = reason ?? (status === undefined ? FAILURE_REASONS.network : answeredReason(status));
  }
}

export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // network error or timeout
  if (status === 408 || status === 429) return true;
  return status >= 500;
}
