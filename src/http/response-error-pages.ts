// How the response link's HTML side answers a failure: a friendly page with the right status, saying nothing
// about the link or the child. (The JSON side leaves its errors to the app's error handler.)
import type { Response } from "express";
import { AppError, ConflictError, GoneError, NotFoundError, ReferralClosedError } from "../errors.js";
import type { Logger } from "../logger.js";
import { messagePage } from "./pages/messages.js";
import { nonceOf } from "./response-security.js";

export function sendPage(res: Response, status: number, html: string): void {
  res.status(status).type("html").send(html);
}

function isConcurrencyFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === "P2034" || /\b(40P01|40001)\b/.test(e?.message ?? "");
}

/** Errors on the HTML side become friendly pages; nothing about the link or the child is echoed. */
export function renderErrorPage(res: Response, logger: Logger, err: unknown, formPath?: string): void {
  const nonce = nonceOf(res);
  const again = formPath ? { href: formPath, text: "Go back to the referral" } : undefined;
  if (err instanceof NotFoundError) {
    sendPage(
      res,
      404,
      messagePage({
        nonce,
        title: "Page not found",
        paragraphs: [
          "We do not recognise this response link.",
          "Check that you copied the whole link from the referral message. If it still does not work, contact the placement team.",
        ],
      }),
    );
  } else if (err instanceof ReferralClosedError) {
    sendPage(
      res,
      410,
      messagePage({
        nonce,
        title: "This referral has closed",
        paragraphs: [
          "This referral is no longer available, so responses can no longer be sent.",
          "Thank you for your time. You do not need to do anything else.",
        ],
      }),
    );
  } else if (err instanceof GoneError) {
    sendPage(
      res,
      410,
      messagePage({
        nonce,
        title: "This response link has expired",
        paragraphs: [
          "The time for responding to this referral has passed.",
          "If you still want to offer a placement, contact the placement team and quote the referral reference.",
        ],
      }),
    );
  } else if (err instanceof AppError && (err.code === "offer_already_accepted" || err.code === "nothing_to_withdraw")) {
    // Refusals about the provider's own offer (accepted already, nothing open): the round is still open.
    sendPage(
      res,
      409,
      messagePage({
        nonce,
        title:
          err.code === "offer_already_accepted"
            ? "Your offer has already been accepted"
            : "There is no offer to withdraw",
        paragraphs: [`${err.message}.`, "Nothing has been changed."],
        ...(again ? { link: again } : {}),
      }),
    );
  } else if (err instanceof ConflictError || (err instanceof AppError && err.httpStatus === 409)) {
    sendPage(
      res,
      409,
      messagePage({
        nonce,
        title: "This referral is no longer taking responses",
        paragraphs: [
          "The placement team has closed this round of the referral, so responses can no longer be sent.",
          "Thank you for your time. You do not need to do anything else.",
        ],
      }),
    );
  } else if ((err as { type?: string })?.type === "entity.too.large") {
    sendPage(
      res,
      413,
      messagePage({
        nonce,
        title: "Your response is too long",
        paragraphs: ["Shorten your answers and send your response again."],
        ...(again ? { link: again } : {}),
      }),
    );
  } else if (isConcurrencyFailure(err)) {
    sendPage(
      res,
      503,
      messagePage({
        nonce,
        title: "Sorry, the service is busy",
        paragraphs: ["Your response was not sent. Please go back and send it again."],
        ...(again ? { link: again } : {}),
      }),
    );
  } else if (err instanceof AppError && err.httpStatus >= 400 && err.httpStatus < 500) {
    sendPage(
      res,
      err.httpStatus,
      messagePage({
        nonce,
        title: "Your response could not be sent",
        paragraphs: ["Please go back and try again."],
        ...(again ? { link: again } : {}),
      }),
    );
  } else {
    const e = err as Error | undefined;
    logger.error({ err: { name: e?.name, message: e?.message, stack: e?.stack } }, "response page failed");
    sendPage(
      res,
      500,
      messagePage({
        nonce,
        title: "Sorry, there is a problem with the service",
        paragraphs: ["Please try again later."],
        ...(again ? { link: again } : {}),
      }),
    );
  }
}
