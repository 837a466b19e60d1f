import type { ErrorRequestHandler } from "express";
import { AppError, ValidationError } from "../errors.js";
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
    logger.error({ err: { name: err?.name, message: err?.message, stack: err?.stack } }, "unhandled request error");
    res.status(500).json({ error: { code: "internal", message: "Something went wrong" } });
  };
}
