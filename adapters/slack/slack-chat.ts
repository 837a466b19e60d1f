// The chat port on Slack's Web API. Retries are the core's job (its outbound queue honours Retry-After), so the
// client's own retries are off and a rate-limited call is reported at once as DeliveryError 429.
import { ErrorCode, WebClient } from "@slack/web-api";
import type { CardRef, ChatPort, ReferralCard, ThreadItem, ThreadRef } from "../../src/chat/port.js";
import { DeliveryError } from "../../src/errors.js";
import { cardBlocks, summaryText, threadMessages } from "./render-thread.js";

// Slack errors that will not get better by retrying.
const PERMANENT = new Set([
  "channel_not_found",
  "not_in_channel",
  "invalid_auth",
  "account_inactive",
  "invalid_blocks",
  "msg_too_long",
  "is_archived",
  "message_not_found",
]);

export function slackClient(token: string, apiUrl: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export async function callSlack<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
    if (e.code === ErrorCode.RateLimitedError)
      throw new DeliveryError(`slack ${what}: rate limited`, 429, (e.retryAfter ?? 1) * 1000);
    if (e.code === ErrorCode.PlatformError) {
      const code = e.data?.error ?? "unknown";
      throw new DeliveryError(`slack ${what}: ${code}`, PERMANENT.has(code) ? 400 : 503);
    }
    if (e.code === ErrorCode.HTTPError) throw new DeliveryError(`slack ${what}: HTTP ${e.statusCode}`, e.statusCode);
    throw new DeliveryError(`slack ${what}: ${(err as Error).message}`, undefined);
  }
}

export class SlackChat implements ChatPort {
  readonly platform = "slack" as const;
  constructor(private readonly client: WebClient) {}

  async postCard(channelId: string, card: ReferralCard) {
    const res = await callSlack("chat.postMessage", () =>
      this.client.chat.postMessage({
        channel: channelId,
        text: `Referral ${card.reference}: ${card.statusText}`,
        blocks: cardBlocks(card) as never,
        unfurl_links: false,
      }),
    );
    const ts = String(res.ts);
    return { threadId: ts, messageId: ts };
  }

  async updateCard(ref: CardRef, card: ReferralCard) {
    await callSlack("chat.update", () =>
      this.client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: `Referral ${card.reference}: ${card.statusText}`,
        blocks: cardBlocks(card) as never,
      }),
    );
  }

  async replyInThread(ref: ThreadRef, items: ThreadItem[]) {
    for (const blocks of threadMessages(items)) {
      await callSlack("chat.postMessage", () =>
        this.client.chat.postMessage({
          channel: ref.channelId,
          thread_ts: ref.threadId,
          text: summaryText(items),
          blocks: blocks as never,
          unfurl_links: false,
        }),
      );
    }
  }

  async notifyUser(target: { channelId: string; userId: string; threadId?: string }, text: string) {
    await callSlack("chat.postEphemeral", () =>
      this.client.chat.postEphemeral({
        channel: target.channelId,
        user: target.userId,
        text,
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
      }),
    );
  }
}
