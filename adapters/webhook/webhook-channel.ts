// Delivers an OutboundDelivery as a signed Standard Webhooks POST and classifies the outcome as a DeliveryError
// the job runtime understands (retryable: network, timeout, 408, 429, 5xx; permanent: everything else).
// Errors name the receiving host and the status only: never the body we sent (it holds the child's profile) nor
// the body we got back (it may echo it).
import { Webhook } from "standardwebhooks";
import { DeliveryError } from "../../src/errors.js";
import type { DeliveryChannelPort, OutboundDelivery } from "../../src/ports.js";
import { payloadFor } from "./payload.js";

export interface WebhookChannelOptions {
  timeoutMs: number;
  userAgent?: string;
  now?: () => Date;
}

const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
const MAX_RESPONSE_BYTES = 2048;

export class WebhookChannel implements DeliveryChannelPort {
  readonly channel = "webhook" as const;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly now: () => Date;

  constructor(opts: WebhookChannelOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.userAgent = opts.userAgent ?? "referral-bot-webhooks/1";
    this.now = opts.now ?? (() => new Date());
  }

  async send(message: OutboundDelivery): Promise<void> {
    const { webhookUrl, webhookSecret } = message.provider;
    // 400 makes these permanent: retrying cannot fix a provider's missing or broken configuration.
    if (!webhookUrl || !webhookSecret) throw new DeliveryError("provider has no webhook configured", 400);
    const url = URL.canParse(webhookUrl) ? new URL(webhookUrl) : undefined;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new DeliveryError("provider's webhook URL is not an http(s) URL", 400);
    }
    let signer: Webhook;
    try {
      signer = new Webhook(webhookSecret);
    } catch {
      throw new DeliveryError("provider's webhook secret is not a valid whsec_ secret", 400);
    }

    const sentAt = this.now();
    let body: string;
    try {
      body = JSON.stringify(payloadFor(message, sentAt));
    } catch {
      // Our own data breaks the public contract: a code or data bug that no retry will fix.
      throw new DeliveryError(`message ${message.messageId} does not match the webhook payload schema`, 400);
    }
    const headers = {
      "content-type": "application/json",
      "user-agent": this.userAgent,
      "webhook-id": message.messageId,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": signer.sign(message.messageId, sentAt, body),
    };

    const target = `webhook to ${url.host}`;
    let res: Response;
    try {
      // manual: a redirect could point our signed, personal-data-bearing POST at another host.
      res = await fetch(url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await drain(res);
    } catch (err) {
      const timedOut = err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError");
      const reason = timedOut ? `timed out after ${this.timeoutMs} ms` : `failed: ${networkReason(err)}`;
      throw new DeliveryError(`${target} ${reason}`, undefined, undefined, err);
    }

    if (res.status >= 200 && res.status < 300) return;
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), this.now());
    if (res.status === 410)
      throw new DeliveryError(`${target}: 410 Gone: receiver asked us to stop`, 410, retryAfterMs);
    if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
      // An opaque redirect hides its status (0); report it as a generic redirect so it stays permanent.
      const status = res.status || 302;
      throw new DeliveryError(`${target}: redirect (${status}) not followed`, status, retryAfterMs);
    }
    throw new DeliveryError(`${target}: HTTP ${res.status}`, res.status, retryAfterMs);
  }
}

/** Reads at most 2 KB of the response, so a receiver cannot make us buffer a huge or endless body. */
async function drain(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read < MAX_RESPONSE_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
  } catch {
    return; // the status has already arrived; a broken body does not change the outcome
  } finally {
    reader.cancel().catch(() => {});
  }
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code; // e.g. ECONNREFUSED, ENOTFOUND
  return err instanceof Error ? err.name : "network error";
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
