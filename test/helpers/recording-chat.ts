// An in-memory ChatPort that records what the core asked for: used to test the core's thread sync on its own.
// (Real adapters are tested against local fakes of their platforms' APIs in the conformance suite.)
import type { CardRef, ChatPort, Platform, ReferralCard, ThreadItem, ThreadRef } from "../../src/chat/port.js";
import type { Digest } from "../../src/digest/model.js";

export interface RecordedCall {
  op: "postCard" | "updateCard" | "replyInThread" | "notifyUser" | "postDigest";
  channelId: string;
  at: number;
  card?: ReferralCard;
  items?: ThreadItem[];
  text?: string;
  digest?: Digest;
  chart?: { png: Buffer; altText: string };
}

export class RecordingChat implements ChatPort {
  readonly calls: RecordedCall[] = [];
  private n = 0;
  constructor(readonly platform: Platform = "slack") {}

  async postCard(channelId: string, card: ReferralCard) {
    this.calls.push({ op: "postCard", channelId, at: Date.now(), card });
    const id = `m${++this.n}`;
    return { threadId: id, messageId: id };
  }
  async updateCard(ref: CardRef, card: ReferralCard) {
    this.calls.push({ op: "updateCard", channelId: ref.channelId, at: Date.now(), card });
  }
  async replyInThread(ref: ThreadRef, items: ThreadItem[]) {
    this.calls.push({ op: "replyInThread", channelId: ref.channelId, at: Date.now(), items });
  }
  async notifyUser(target: { channelId: string; userId: string }, text: string) {
    this.calls.push({ op: "notifyUser", channelId: target.channelId, at: Date.now(), text });
  }

  async postDigest(channelId: string, digest: Digest, chart?: { png: Buffer; altText: string }) {
    this.calls.push({ op: "postDigest", channelId, at: Date.now(), digest, ...(chart ? { chart } : {}) });
    return { messageId: `d${++this.n}` };
  }

  items(): ThreadItem[] {
    return this.calls.flatMap((c) => c.items ?? []);
  }
  lastCard(): ReferralCard | undefined {
    return this.calls.filter((c) => c.card).at(-1)?.card;
  }
}
