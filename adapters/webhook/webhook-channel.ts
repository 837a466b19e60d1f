// Delivers an OutboundDelivery as a signed Standard Webhooks POST and classifies the outcome as a DeliveryError
// the job runtime understands (retryable: network, timeout, 408, 429, 5xx; permanent: everything else).
// The URL comes from data (the provider directory), so before anything is sent its host is resolved and checked
// against the outbound address rules (src/delivery/address-guard.ts), and the POST goes to the checked address.
// Errors carry two texts: `message` (host and socket error, for the log) and `reason` (a classified phrase for
// ART); never the body we sent (it holds the child's profile) nor the body we got back (it may echo it).
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import {
  AddressRefusedError,
  isLoopbackAddress,
  type ResolvedAddress,
  type Resolver,
  systemResolver,
  vetDestination,
} from "../../src/delivery/address-guard.js";
import { answeredReason, FAILURE_REASONS, type FailureReason } from "../../src/delivery/failure-reasons.js";
import { DeliveryError } from "../../src/errors.js";
import type { DeliveryChannelPort, OutboundDelivery } from "../../src/ports.js";
import { payloadFor } from "./payload.js";
import { errorCode, networkReason, type PostAnswer, postPinned } from "./pinned-post.js";

export interface WebhookChannelOptions {
  timeoutMs: number;
  /** Development and tests only (WEBHOOK_ALLOW_LOOPBACK): allow loopback receivers, over http too. */
  allowLoopback?: boolean;
  /** How host names are resolved; tests inject a stub so no DNS is asked. */
  resolve?: Resolver;
  userAgent?: string;
  now?: () => Date;
}

const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** 400 makes these permanent: retrying cannot fix a provider's missing or broken configuration. */
const permanent = (message: string, reason: FailureReason, cause?: unknown) =>
  new DeliveryError(message, 400, undefined, cause, reason);

export class WebhookChannel implements DeliveryChannelPort {
  readonly channel = "webhook" as const;
  private readonly timeoutMs: number;
  private readonly allowLoopback: boolean;
  private readonly resolve: Resolver;
  private readonly userAgent: string;
  private readonly now: () => Date;

  constructor(opts: WebhookChannelOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.allowLoopback = opts.allowLoopback ?? false;
    this.resolve = opts.resolve ?? systemResolver;
    this.userAgent = opts.userAgent ?? "referral-bot-webhooks/1";
    this.now = opts.now ?? (() => new Date());
  }

  async send(message: OutboundDelivery): Promise<void> {
    const { webhookUrl, webhookSecret } = message.provider;
    if (!webhookUrl || !webhookSecret) {
      throw permanent("provider has no webhook configured", FAILURE_REASONS.noWebhook);
    }
    await this.sendSigned({ url: webhookUrl, secret: webhookSecret, messageId: message.messageId }, (sentAt) =>
      payloadFor(message, sentAt),
    );
  }

  /**
   * One signed POST of `body(sentAt)` to `url`, for any receiver (providers, the council's own systems): the URL and
   * secret checked, the address vetted, the outcome classified. `body` throwing means our own data breaks the
   * public contract: a code or data bug that no retry will fix.
   */
  async sendSigned(
    target: { url: string; secret: string; messageId: string },
    body: (sentAt: Date) => unknown,
  ): Promise<void> {
    const url = URL.canParse(target.url) ? new URL(target.url) : undefined;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw permanent("the webhook URL is not an http(s) URL", FAILURE_REASONS.badUrl);
    }
    try {
      // The library's own check of the secret (strict base64, not empty); it signs with a SHA-256 written in
      // JavaScript, some ten times the CPU of Node's for a referral's payload, so signatureOf signs instead.
      new Webhook(target.secret);
    } catch {
      throw permanent("the webhook secret is not a valid whsec_ secret", FAILURE_REASONS.badSecret);
    }
    const sentAt = this.now();
    const messageId = target.messageId;
    let json: string;
    try {
      json = JSON.stringify(body(sentAt));
    } catch {
      throw permanent(`message ${messageId} does not match the webhook payload schema`, FAILURE_REASONS.ourPayload);
    }

    // One deadline for resolving, connecting and answering.
    const signal = AbortSignal.timeout(this.timeoutMs);
    const where = `webhook to ${url.host}`;
    const to = await this.destination(url, where, signal);
    const headers = {
      "content-type": "application/json",
      "user-agent": this.userAgent,
      "webhook-id": messageId,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": signatureOf(target.secret, messageId, sentAt, json),
    };
    let res: PostAnswer;
    try {
      res = await postPinned({ url, to, headers, body: json, signal });
    } catch (err) {
      throw this.networkError(`${where} (${to.address})`, err, signal);
    }
    this.classify(res, where);
  }

  /** Returns on 2xx; otherwise the DeliveryError the job runtime retries or gives up on. */
  private classify(res: PostAnswer, target: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const retryAfter = res.headers["retry-after"];
    const retryAfterMs = parseRetryAfter(typeof retryAfter === "string" ? retryAfter : null, this.now());
    if (res.status === 410)
      throw new DeliveryError(`${target}: 410 Gone: receiver asked us to stop`, 410, retryAfterMs);
    if (res.status >= 300 && res.status < 400) {
      // A redirect could point our signed, personal-data-bearing POST at another host: never followed.
      throw new DeliveryError(
        `${target}: redirect (${res.status}) not followed`,
        res.status,
        retryAfterMs,
        undefined,
        FAILURE_REASONS.redirect,
      );
    }
    throw new DeliveryError(
      `${target}: HTTP ${res.status}`,
      res.status,
      retryAfterMs,
      undefined,
      answeredReason(res.status),
    );
  }

  /** The vetted address to connect to; plain http only to loopback, and only with the development setting. */
  private async destination(url: URL, target: string, signal: AbortSignal): Promise<ResolvedAddress> {
    let to: ResolvedAddress;
    try {
      to = await untilAborted(
        vetDestination(url, { allowLoopback: this.allowLoopback, resolve: this.resolve }),
        signal,
      );
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        throw permanent(`${target}: ${err.message}`, FAILURE_REASONS.addressNotAllowed, err);
      }
      throw this.networkError(`${target} (resolving)`, err, signal);
    }
    if (url.protocol === "http:" && !(this.allowLoopback && isLoopbackAddress(to.address))) {
      throw permanent(`${target}: plain http refused`, FAILURE_REASONS.httpsRequired);
    }
    return to;
  }

  private networkError(where: string, err: unknown, signal: AbortSignal): DeliveryError {
    if (signal.aborted) {
      return new DeliveryError(
        `${where} timed out after ${this.timeoutMs} ms`,
        undefined,
        undefined,
        err,
        FAILURE_REASONS.timedOut,
      );
    }
    const code = errorCode(err) ?? (err instanceof Error ? err.name : "network error");
    return new DeliveryError(`${where} failed: ${code}`, undefined, undefined, err, networkReason(err));
  }
}

/**
 * The Standard Webhooks signature ("v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the secret's
 * bytes), as the library's Webhook.sign makes it, for a secret that library has accepted.
 */
export function signatureOf(secret: string, messageId: string, sentAt: Date, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  const timestamp = Math.floor(sentAt.getTime() / 1000);
  return `v1,${createHmac("sha256", key).update(`${messageId}.${timestamp}.${body}`).digest("base64")}`;
}

/** Rejects when the signal fires, for steps (DNS) that take no signal of their own. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now, capped at an hour; undefined if absent or bad. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
