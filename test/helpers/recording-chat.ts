// An in-memory ChatPort that records what the core asked for: used to test the core's thread sync on its own.
// (Real adapters are tested against local fakes of their platforms' APIs in the conformance suite.)
import type {
  CardRef,
  ChatPort,
  DirectMessage,
  HomeView,
  Platform,
  ReferralCard,
  ThreadItem,
  ThreadRef,
} from "../../src/chat/port.js";
import type { Digest } from "../../src/digest/model.js";
import { DeliveryError } from "../../src/errors.js";

export interface RecordedCall {
  op:
    | "postCard"
    | "updateCard"
    | "replyInThread"
    | "updateThreadMessage"
    | "notifyUser"
    | "postDigest"
    | "publishHome"
    | "sendDirect";
  channelId: string;
  threadId?: string;
  messageId?: string;
  at: number;
  card?: ReferralCard;
  items?: ThreadItem[];
  text?: string;
  digest?: Digest;
  userId?: string;
  home?: HomeView;
  direct?: DirectMessage;
  chart?: { png: Buffer; altText: string };
}

export class RecordingChat implements ChatPort {
  readonly calls: RecordedCall[] = [];
  private n = 0;
  /** Off as on Slack, or on as on Teams (a test may set either). */
  editsTakeChannelSlot: boolean;
  constructor(readonly platform: Platform = "slack") {
    this.editsTakeChannelSlot = platform === "teams";
  }

  async postCard(channelId: string, card: ReferralCard) {
    this.calls.push({ op: "postCard", channelId, at: Date.now(), card });
    const id = `m${++this.n}`;
    return { threadId: id, messageId: id };
  }
  async updateCard(ref: CardRef, card: ReferralCard) {
    this.calls.push({ op: "updateCard", channelId: ref.channelId, at: Date.now(), card });
  }
  /** Items per platform message (as an adapter with small messages would split them). */
  groupSize = Number.POSITIVE_INFINITY;
  /** Makes this many upcoming replies fail once, after `failAfterReplies` more have succeeded. */
  failReplies = 0;
  failAfterReplies = 0;

  splitThreadItems(items: ThreadItem[]): ThreadItem[][] {
    const groups: ThreadItem[][] = [];
    for (let i = 0; i < items.length; i += Math.min(this.groupSize, items.length))
      groups.push(items.slice(i, i + this.groupSize));
    return groups;
  }

  /** Like a real adapter, posts one platform message per group; a failure can come between two of them. */
  async replyInThread(ref: ThreadRef, items: ThreadItem[]) {
    const messageIds: string[] = [];
    for (const group of this.splitThreadItems(items)) {
      if (this.failReplies > 0) {
        if (this.failAfterReplies > 0) this.failAfterReplies--;
        else {
          this.failReplies--;
          throw new DeliveryError("recording chat: failing as asked", 503);
        }
      }
      this.calls.push({
        op: "replyInThread",
        channelId: ref.channelId,
        threadId: ref.threadId,
        at: Date.now(),
        items: group,
      });
      messageIds.push(`m${++this.n}`);
    }
    return { messageIds };
  }

  async updateThreadMessage(ref: ThreadRef & { messageId: string }, items: ThreadItem[]) {
    this.calls.push({
      op: "updateThreadMessage",
      channelId: ref.channelId,
      threadId: ref.threadId,
      messageId: ref.messageId,
      at: Date.now(),
      items,
    });
  }
  async notifyUser(target: { channelId: string; userId: string }, text: string) {
    this.calls.push({ op: "notifyUser", channelId: target.channelId, at: Date.now(), text });
  }

  async postDigest(channelId: string, digest: Digest, chart?: { png: Buffer; altText: string }) {
    this.calls.push({ op: "postDigest", channelId, at: Date.now(), digest, ...(chart ? { chart } : {}) });
    return { messageId: `d${++this.n}` };
  }

  async publishHome(userId: string, home: HomeView) {
    this.calls.push({ op: "publishHome", channelId: "", userId, at: Date.now(), home });
  }
  async sendDirect(userId: string, direct: DirectMessage) {
    this.calls.push({ op: "sendDirect", channelId: "", userId, at: Date.now(), direct });
    return { messageId: `dm${++this.n}` };
  }
  /** Platform groups and their members. */
  groups: Record<string, string[]> = {};
  async groupMembers(groupId: string) {
    return this.groups[groupId] ?? [];
  }

  /** Every item posted in a thread, in order (redraws of a posted message not counted). */
  items(): ThreadItem[] {
    return this.calls.filter((c) => c.op === "replyInThread").flatMap((c) => c.items ?? []);
  }
  lastCard(): ReferralCard | undefined {
    return this.calls.filter((c) => c.card).at(-1)?.card;
  }
}
