// The chat port on the Bot Framework connector, through the Teams SDK's API client. Posts go to the service URL
// Teams gave us for that conversation (stored conversation reference), falling back to the configured one.
// Retries are the core's job: throttling (429, and 412 which Teams uses for concurrent edits) is reported as
// DeliveryError 429 with the wait Teams asked for, and 502/504 as retryable; other 4xx are permanent.
import type { Client as ApiClient } from "@microsoft/teams.api";
import type { ChatDirectory, ConversationRef } from "../../src/chat/directory.js";
import type {
  CardRef,
  ChatPort,
  DirectMessage,
  HomeView,
  ReferralCard,
  ThreadItem,
  ThreadRef,
} from "../../src/chat/port.js";
import { hostOf, type ServiceUrlPolicy, serviceUrlAllowed } from "../../src/chat/service-url.js";
import type { Digest } from "../../src/digest/model.js";
import { DeliveryError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";
import { byteSize, cardAttachment, type Element } from "./card-parts.js";
import { chartCard, digestCard } from "./render-digest.js";
import { directCard, homeCard } from "./render-home.js";
import { groupThreadItems, type PerUserView, referralCardContent, summaryText, threadCards } from "./render-thread.js";

/** Teams shows a per-user (refreshed) card to at most 60 listed users. */
export const REFRESH_USER_LIMIT = 60;

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
export const actorIdsOf = (items: ThreadItem[]) =>
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
  /**
   * ART members (Entra object ids), for Universal Actions' per-user cards: thread cards with approval buttons go
   * to the channel without them and are refreshed with the buttons for these people. Unset: buttons for all.
   */
  artMembers?: () => Promise<string[]>;
  /** Entra group members (Microsoft Graph), for nudges' recipients. */
  groupMembers?: (groupId: string) => Promise<string[]>;
  /** Whether "publish to all" starts on under a question (ANSWERS_PUBLISHED_TO_ALL_DEFAULT). */
  answersPublishedToAllDefault?: boolean;
  /** The tenant for 1:1 conversations the bot creates (unset: the tenant the bot last heard from). */
  tenantId?: string;
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
    const perUser = await this.perUser(ref);
    const publishDefault = this.o.answersPublishedToAllDefault ?? false;
    for (const card of threadCards(items, names, { ...(perUser ? { perUser } : {}), publishDefault })) {
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
    const perUser = await this.perUser(ref);
    const [card] = threadCards(items, await this.namesOf(actorIdsOf(items)), {
      ...(perUser ? { perUser } : {}),
      publishDefault: this.o.answersPublishedToAllDefault ?? false,
    });
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

  /**
   * Who sees a thread card's approval buttons: the ART members the bot knows a conversation id for (at most 60,
   * Teams' limit). When it knows none yet, the card keeps its buttons for all (the core refuses non-ART clicks)
   * rather than show them to nobody.
   */
  private async perUser(thread: ThreadRef): Promise<PerUserView | undefined> {
    if (!this.o.artMembers) return undefined;
    const mris = await this.o.directory.mrisOf(await this.o.artMembers());
    const userIds = [...mris.values()].slice(0, REFRESH_USER_LIMIT);
    return userIds.length ? { userIds, thread } : undefined;
  }

  /** The person's 1:1 conversation with the bot (Teams gives back the existing one when there is one). */
  private async personalConversation(userId: string): Promise<{ id: string; api: ApiClient["conversations"] }> {
    const mri = (await this.o.directory.mrisOf([userId])).get(userId);
    const tenantId = this.o.tenantId ?? (await this.o.directory.lastTenant());
    const api = this.o.apiFor(this.o.defaultServiceUrl).conversations;
    const created = await callTeams("create 1:1 conversation", () =>
      api.create({
        isGroup: false,
        members: [{ id: mri ?? userId, ...(mri ? {} : { aadObjectId: userId }) } as never],
        ...(tenantId ? { tenantId, channelData: { tenant: { id: tenantId } } } : {}),
      }),
    );
    return { id: created.id, api };
  }

  async publishHome(userId: string, home: HomeView) {
    const mri = (await this.o.directory.mrisOf([userId])).get(userId);
    const { id, api } = await this.personalConversation(userId);
    const card = homeCard(home, { ...(mri ? { refreshFor: mri } : {}) });
    await callTeams("post home", () => api.createActivity(id, messageOf(card, "Your referrals") as never));
  }

  async sendDirect(userId: string, message: DirectMessage) {
    const { id, api } = await this.personalConversation(userId);
    const card = directCard(message, await this.namesOf(actorIdsOf(message.items)));
    const res = await callTeams("direct message", () =>
      api.createActivity(id, messageOf(card, message.text.slice(0, 200)) as never),
    );
    return { messageId: res.id };
  }

  async groupMembers(groupId: string) {
    if (!this.o.groupMembers) throw new DeliveryError("teams: reading Entra groups is not configured", 503);
    return this.o.groupMembers(groupId);
  }

  private namesOf(actorIds: string[]): Promise<Map<string, string>> {
    return staffNames(this.o.directory, actorIds);
  }
}

/** Display names of staff by actor id ("teams:<object id>"), from the directory. */
export async function staffNames(directory: ChatDirectory, actorIds: string[]): Promise<Map<string, string>> {
  const teamsIds = actorIds.filter((id) => id.startsWith("teams:")).map((id) => id.slice(6));
  const found = await directory.namesOf(teamsIds);
  return new Map([...found].map(([id, name]) => [`teams:${id}`, name]));
}
