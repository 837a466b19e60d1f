import type { ErrorRequestHandler } from "express";
import { AppError, DuplicateReferralError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";

/** AppErrors become JSON with their stable code; anything else is a 500 that is logged (by code, not content). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (err instanceof AppError) {
      res.status(err.httpStatus).json({
        error: {
          code: err.code,
          message: err.message,
          ...(err instanceof ValidationError ? { fields: err.fieldErrors } : {}),
          ...(err instanceof DuplicateReferralError
            ? { existingReference: err.existingReference, matchedOn: err.matchedOn }
            : {}),
        },
      });
      return;
    }
    if (err?.type === "entity.too.large") {
      res.status(413).json({ error: { code: "too_large", message: "The request body is too large" } });
      return;
    }
    if (err?.type === "entity.parse.failed") {
      res.status(400).json({ error: { code: "bad_json", message: "The request body is not valid JSON" } });
      return;
    }
    if (isConcurrencyFailure(err)) {
      // Lock ordering should prevent these; if one happens the caller can simply try again.
      res.status(409).json({ error: { code: "conflict", message: "Busy with another change; please try again" } });
      return;
    }
    logger.error({ err: { name: err?.name, message: err?.message, stack: err?.stack } }, "unhandled request error");
    res.status(500).json({ error: { code: "internal", message: "Something went wrong" } });
  };
}

/** PostgreSQL deadlock (40P01) or serialization failure (40001), as Prisma reports them. */
function isConcurrencyFailure(err: { code?: string; message?: string } | undefined): boolean {
  return err?.code === "P2034" || /\b(40P01|40001)\b/.test(err?.message ?? "");
}
