// The chat port on Slack's Web API. Retries are the core's job (its outbound queue honours Retry-After), so the
// client's own retries are off and a rate-limited call is reported at once as DeliveryError 429.
import { ErrorCode, WebClient } from "@slack/web-api";
import type {
  CardRef,
  ChatPort,
  DirectMessage,
  HomeView,
  ReferralCard,
  ThreadItem,
  ThreadRef,
} from "../../src/chat/port.js";
import type { Digest } from "../../src/digest/model.js";
import { DeliveryError } from "../../src/errors.js";
import { safeText } from "./escape.js";
import { digestBlocks, digestFallbackText } from "./render-digest.js";
import { homeBlocks, threadKey } from "./render-home.js";
import { cardBlocks, cardFallbackText, groupThreadItems, summaryText, threadMessages } from "./render-thread.js";
import { uploadFile } from "./upload.js";

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
  // chat.update (Tier 3) is not under chat.postMessage's per-channel limit: see ChatPort.
  readonly editsTakeChannelSlot = false;
  /** Thread permalinks never change, so each is asked for once per process. */
  private readonly permalinks = new Map<string, string>();
  constructor(private readonly client: WebClient) {}

  async postCard(channelId: string, card: ReferralCard) {
    const res = await callSlack("chat.postMessage", () =>
      this.client.chat.postMessage({
        channel: channelId,
        text: cardFallbackText(card),
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
        text: cardFallbackText(card),
        blocks: cardBlocks(card) as never,
      }),
    );
  }

  splitThreadItems(items: ThreadItem[]): ThreadItem[][] {
    return groupThreadItems(items);
  }

  async replyInThread(ref: ThreadRef, items: ThreadItem[]) {
    const messageIds: string[] = [];
    for (const blocks of threadMessages(items)) {
      const res = await callSlack("chat.postMessage", () =>
        this.client.chat.postMessage({
          channel: ref.channelId,
          thread_ts: ref.threadId,
          text: summaryText(items),
          blocks: blocks as never,
          unfurl_links: false,
        }),
      );
      messageIds.push(String(res.ts));
    }
    return { messageIds };
  }

  async updateThreadMessage(ref: ThreadRef & { messageId: string }, items: ThreadItem[]) {
    const [blocks] = threadMessages(items);
    await callSlack("chat.update", () =>
      this.client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: summaryText(items),
        blocks: (blocks ?? []) as never,
      }),
    );
  }

  async notifyUser(target: { channelId: string; userId: string; threadId?: string }, text: string) {
    await callSlack("chat.postEphemeral", () =>
      this.client.chat.postEphemeral({
        channel: target.channelId,
        user: target.userId,
        // The core's words can quote a provider or a social worker: escaped like everything else sent to Slack.
        text: safeText(text),
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
      }),
    );
  }

  /**
   * The digest as one message. The chart's bytes go up first (invisible until shared), so a failed upload stops
   * before anything is posted; the message follows; then the file is shared in the digest's thread. A share that
   * fails after the message went out is a warning, not an error: retrying would post the digest twice.
   */
  async postDigest(channelId: string, digest: Digest, chart?: { png: Buffer; altText: string }) {
    const fileId = chart
      ? await uploadFile(this.client, {
          filename: `digest-${digest.date}.png`,
          bytes: chart.png,
          altText: chart.altText,
        })
      : undefined;
    const blocks = digestBlocks(digest, await this.threadLinks(digest));
    const res = await callSlack("chat.postMessage", () =>
      this.client.chat.postMessage({
        channel: channelId,
        text: digestFallbackText(digest),
        blocks: blocks as never,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    const ts = String(res.ts);
    const warnings: string[] = [];
    if (fileId) {
      await callSlack("files.completeUploadExternal", () =>
        this.client.files.completeUploadExternal({
          files: [{ id: fileId, title: `Unplaced children ${digest.date}` }],
          channel_id: channelId,
          thread_ts: ts,
          initial_comment: "Unplaced children by lot and by days waiting",
        }),
      ).catch((err: Error) => warnings.push(`chart not shared: ${err.message}`));
    }
    return { messageId: ts, ...(warnings.length ? { warnings } : {}) };
  }

  /** The App Home tab: what this person raised and, for ART, what waits on them. */
  async publishHome(userId: string, home: HomeView) {
    const refs = [...home.myReferrals.entries, ...(home.awaiting?.entries ?? [])].flatMap((e) =>
      e.thread ? [e.thread] : [],
    );
    const blocks = homeBlocks(home, await this.permalinksOf(refs));
    await callSlack("views.publish", () =>
      this.client.views.publish({ user_id: userId, view: { type: "home", blocks: blocks as never } }),
    );
  }

  /** A message in the person's DM with the bot: the words, a link to the thread, the items with their buttons. */
  async sendDirect(userId: string, message: DirectMessage) {
    const opened = await callSlack("conversations.open", () => this.client.conversations.open({ users: userId }));
    const channel = opened.channel?.id;
    if (!channel) throw new DeliveryError("slack conversations.open: no channel", 502);
    const link = message.thread
      ? (await this.permalinksOf([message.thread])).get(threadKey(message.thread))
      : undefined;
    const intro = `${safeText(message.text, 2500)}${link && /^https?:\/\/[^\s<>|]+$/.test(link) ? ` <${link}|Open the thread>` : ""}`;
    const [itemBlocks] = message.items.length ? threadMessages(message.items) : [[]];
    const res = await callSlack("chat.postMessage", () =>
      this.client.chat.postMessage({
        channel,
        text: safeText(message.text, 2500),
        blocks: [{ type: "section", text: { type: "mrkdwn", text: intro } }, ...(itemBlocks ?? [])].slice(
          0,
          50,
        ) as never,
        unfurl_links: false,
      }),
    );
    return { messageId: String(res.ts) };
  }

  async groupMembers(groupId: string) {
    return (
      (await callSlack("usergroups.users.list", () => this.client.usergroups.users.list({ usergroup: groupId })))
        .users ?? []
    );
  }

  /** Permalinks of the threads the digest links to. One that cannot be had leaves its line unlinked. */
  private async threadLinks(digest: Digest): Promise<Map<string, string>> {
    const refs: ThreadRef[] = [];
    for (const s of digest.sections) for (const l of s.lines) if (l.thread) refs.push(l.thread);
    return this.permalinksOf(refs);
  }

  private async permalinksOf(refs: ThreadRef[]): Promise<Map<string, string>> {
    const wanted = new Map<string, ThreadRef>();
    for (const ref of refs) wanted.set(threadKey(ref), ref);
    const missing = [...wanted].filter(([key]) => !this.permalinks.has(key));
    for (let i = 0; i < missing.length; i += 5) {
      await Promise.all(
        missing.slice(i, i + 5).map(async ([key, ref]) => {
          try {
            const res = await this.client.chat.getPermalink({ channel: ref.channelId, message_ts: ref.threadId });
            if (res.permalink) this.permalinks.set(key, res.permalink);
          } catch {
            // Rate limited or gone: the line shows the reference without a link.
          }
        }),
      );
    }
    return this.permalinks;
  }
}
