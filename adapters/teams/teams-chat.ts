// The chat port on the Bot Framework connector, through the Teams SDK's API client. Posts go to the service URL
// Teams gave us for that conversation (stored conversation reference), falling back to the configured one.
// Retries are the core's job: throttling (429, and 412 which Teams uses for concurrent edits) is reported as
// DeliveryError 429 with the wait Teams asked for, and 502/504 as retryable; other 4xx are permanent.
import type { Client as ApiClient } from "@microsoft/teams.api";
import type { ChatDirectory, ConversationRef } from "../../src/chat/directory.js";
import type { CardRef, ChatPort, ReferralCard, ThreadItem, ThreadRef } from "../../src/chat/port.js";
import { hostOf, type ServiceUrlPolicy, serviceUrlAllowed } from "../../src/chat/service-url.js";
import type { Digest } from "../../src/digest/model.js";
import { DeliveryError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";
import { byteSize, cardAttachment, type Element } from "./card-parts.js";
import { chartCard, digestCard } from "./render-digest.js";
import { groupThreadItems, referralCardContent, summaryText, threadCards } from "./render-thread.js";

const TEAMS_MESSAGE_LIMIT = 100_000;

export function threadConversationId(channelId: string, threadId: string): string {
  return `${channelId};messageid=${threadId}`;
}

export async function callTeams<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { response?: { status?: number; headers?: Record<string, unknown> }; message?: string };
    const status = e.response?.status;
    if (status === undefined) throw new DeliveryError(`teams ${what}: ${e.message ?? "network error"}`, undefined);
    if (status === 429 || status === 412) {
      const seconds = Number(e.response?.headers?.["retry-after"]);
      throw new DeliveryError(
        `teams ${what}: throttled (${status})`,
        429,
        (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000,
      );
    }
    throw new DeliveryError(`teams ${what}: HTTP ${status}`, status);
  }
}

const messageOf = (card: Element, summary: string) => {
  const activity = { type: "message", summary, attachments: [cardAttachment(card)] };
  // Cards are built to stay far below this; a card that does not is a bug, not something to retry.
  if (byteSize(activity) > TEAMS_MESSAGE_LIMIT) throw new DeliveryError("teams: card over the message size limit", 413);
  return activity;
};

/** Staff whose names the items show. */
const actorIdsOf = (items: ThreadItem[]) =>
  items.flatMap((i) =>
    i.kind === "decision"
      ? i.decidedBy
      : i.kind === "answer_sent"
        ? [i.answeredBy]
        : i.kind === "second_approval_needed"
          ? [i.firstApproverId]
          : [],
  );

export interface TeamsChatOptions {
  /** An API client for a Bot Framework service URL (the SDK's, carrying its credentials). */
  apiFor(serviceUrl: string): ApiClient;
  defaultServiceUrl: string;
  directory: ChatDirectory;
  serviceUrls: ServiceUrlPolicy;
  logger?: Logger;
}

export class TeamsChat implements ChatPort {
  readonly platform = "teams" as const;
  // Teams throttles a bot per conversation across all its operations, edits included: see ChatPort.
  readonly editsTakeChannelSlot = true;
  constructor(private readonly o: TeamsChatOptions) {}

  private async api(channelId: string) {
    const ref = await this.o.directory.conversation(channelId);
    return this.o.apiFor(this.serviceUrlOf(ref)).conversations;
  }

  private serviceUrlOf(ref: ConversationRef | undefined): string {
    if (!ref) return this.o.defaultServiceUrl;
    if (serviceUrlAllowed(ref.serviceUrl, this.o.serviceUrls)) return ref.serviceUrl;
    this.o.logger?.warn(
      { channelId: ref.channelId, serviceUrlHost: hostOf(ref.serviceUrl) },
      "teams: stored service URL is not on the allow-list; using the configured one",
    );
    return this.o.defaultServiceUrl;
  }

  async postCard(channelId: string, card: ReferralCard) {
    const api = await this.api(channelId);
    const res = await callTeams("post card", () =>
      api.createActivity(channelId, messageOf(referralCardContent(card), `Referral ${card.reference}`) as never),
    );
    return { threadId: res.id, messageId: res.id };
  }

  async updateCard(ref: CardRef, card: ReferralCard) {
    const api = await this.api(ref.channelId);
    await callTeams("update card", () =>
      api.updateActivity(
        ref.channelId,
        ref.messageId,
        messageOf(referralCardContent(card), `Referral ${card.reference}`) as never,
      ),
    );
  }

  async replyInThread(ref: ThreadRef, items: ThreadItem[]) {
    const api = await this.api(ref.channelId);
    const names = await this.namesOf(actorIdsOf(items));
    const messageIds: string[] = [];
    for (const card of threadCards(items, names)) {
      const res = await callTeams("reply in thread", () =>
        api.createActivity(
          threadConversationId(ref.channelId, ref.threadId),
          messageOf(card, summaryText(items)) as never,
        ),
      );
      messageIds.push(res.id);
    }
    return { messageIds };
  }

  async updateThreadMessage(ref: ThreadRef & { messageId: string }, items: ThreadItem[]) {
    const api = await this.api(ref.channelId);
    const [card] = threadCards(items, await this.namesOf(actorIdsOf(items)));
    if (!card) return;
    await callTeams("update thread message", () =>
      api.updateActivity(
        threadConversationId(ref.channelId, ref.threadId),
        ref.messageId,
        messageOf(card, summaryText(items)) as never,
      ),
    );
  }

  splitThreadItems(items: ThreadItem[]): ThreadItem[][] {
    // Names only change a few bytes; grouping with placeholders keeps this synchronous.
    return groupThreadItems(items, new Map());
  }

  /** A targeted message: shown in the channel to this one user only (Teams' counterpart of Slack's ephemeral). */
  async notifyUser(target: { channelId: string; userId: string; threadId?: string }, text: string) {
    const api = await this.api(target.channelId);
    const conversation = target.threadId ? threadConversationId(target.channelId, target.threadId) : target.channelId;
    await callTeams("targeted notice", () =>
      api.createTargetedActivity(conversation, { type: "message", text, recipient: { id: target.userId } } as never),
    );
  }

  async postDigest(channelId: string, digest: Digest, chart?: { png: Buffer; altText: string }) {
    const ref = await this.o.directory.conversation(channelId);
    const api = this.o.apiFor(this.serviceUrlOf(ref)).conversations;
    const res = await callTeams("post digest", () =>
      api.createActivity(channelId, messageOf(digestCard(digest, ref?.tenantId), digest.headline) as never),
    );
    const warnings: string[] = [];
    // The digest is out: a chart that cannot follow is a warning, so a retry never posts the digest twice.
    if (chart) {
      await callTeams("post digest chart", () =>
        api.createActivity(
          threadConversationId(channelId, res.id),
          messageOf(chartCard(chart, digest.date), chart.altText) as never,
        ),
      ).catch((err: Error) => warnings.push(`chart not posted: ${err.message}`));
    }
    return { messageId: res.id, ...(warnings.length ? { warnings } : {}) };
  }

  private async namesOf(actorIds: string[]): Promise<Map<string, string>> {
    const teamsIds = actorIds.filter((id) => id.startsWith("teams:")).map((id) => id.slice(6));
    const found = await this.o.directory.namesOf(teamsIds);
    return new Map([...found].map(([id, name]) => [`teams:${id}`, name]));
  }
}
