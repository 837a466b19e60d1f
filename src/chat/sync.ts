// Brings one referral's card and thread on one platform up to date with PostgreSQL: posts the card if it is
// not there yet or updates it in place when it changed, then posts the timeline items the thread does not show
// yet (several per message, so a burst of offers becomes a few posts) and redraws thread messages that changed.
// Card and items come from one snapshot of PostgreSQL, and the card goes first, so it never lags the thread.
import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { chatPostsTotal, chatThrottlesTotal } from "../observability/metrics.js";
import type { Clock } from "../ports.js";
import type { ChatChannelLimiter } from "./channel-limiter.js";
import type { ChatPort, Platform, ThreadItem } from "./port.js";
import { buildThread, loadThreadState } from "./thread-model.js";
import { postRows, refreshThreadMessages } from "./thread-refresh.js";

export interface SyncDeps {
  db: Db;
  clock: Clock;
  chats: Partial<Record<Platform, ChatPort>>;
  chatLimiter: ChatChannelLimiter;
}

/** The longest wait for the channel's next slot that a sync sleeps through instead of re-queueing itself. */
const SLEEP_FOR_SLOT_MS = 1_500;

/** Thrown when the channel's rate or the thread's lock says "not now"; the job runs again after `ms`. */
export class SyncLater extends Error {
  constructor(readonly ms: number) {
    super(`sync later (${ms} ms)`);
  }
}

export async function syncThread(deps: SyncDeps, referralId: string, platform: Platform): Promise<void> {
  const chat = deps.chats[platform];
  if (!chat) return;
  const unlock = await deps.chatLimiter.lock(`sync:${platform}:${referralId}`, 60_000);
  if (!unlock) throw new SyncLater(500);
  try {
    await syncLocked(deps, chat, referralId, platform);
  } finally {
    await unlock();
  }
}

/** The replies that show these items: one per platform message, each filled up to the platform's limit. */
export function replyGroups(chat: Pick<ChatPort, "splitThreadItems">, items: ThreadItem[]): ThreadItem[][] {
  return chat.splitThreadItems(items);
}

async function syncLocked(deps: SyncDeps, chat: ChatPort, referralId: string, platform: Platform) {
  const startedAt = deps.clock.now();
  let link = await deps.db.chatLink.findUnique({ where: { referralId_platform: { referralId, platform } } });
  if (!link) return;
  const slot = async () => {
    let wait = await deps.chatLimiter.take(platform, link!.channelId);
    // A short wait is slept here, holding the thread: re-queued, the job came back about 100 ms after its slot,
    // and a burst's dozen paced posts lost over a second to that. Refused again, the job waits in the queue.
    if (wait > 0 && wait <= SLEEP_FOR_SLOT_MS) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = await deps.chatLimiter.take(platform, link!.channelId);
    }
    if (wait > 0) {
      chatThrottlesTotal.inc({ platform, reason: "channel_interval" });
      throw new SyncLater(wait);
    }
  };
  // Edits (the card, a redrawn thread message) wait for the channel only where the platform counts them against
  // it (ChatPort.editsTakeChannelSlot): on Slack the card's edit does not push the thread post after it back a slot.
  const editSlot = chat.editsTakeChannelSlot ? slot : async () => {};
  const { card, items } = buildThread(await loadThreadState(deps.db, referralId));
  const cardHash = createHash("sha256").update(JSON.stringify(card)).digest("hex");

  if (!link.messageId || !link.threadId) {
    await slot();
    const posted = await chat.postCard(link.channelId, card);
    chatPostsTotal.inc({ platform, kind: "card" });
    link = await deps.db.chatLink.update({
      where: { id: link.id },
      data: { threadId: posted.threadId, messageId: posted.messageId, cardHash },
    });
  }
  // The card first, from the same snapshot as the items below: when the channel's rate makes the rest wait, the
  // card is never behind its thread (it used to say "0 offers" under an offer already shown).
  if (link.cardHash !== cardHash) {
    await editSlot();
    await chat.updateCard({ channelId: link.channelId, messageId: link.messageId! }, card);
    chatPostsTotal.inc({ platform, kind: "update" });
    await deps.db.chatLink.update({ where: { id: link.id }, data: { cardHash } });
  }
  const shown = new Set(
    (await deps.db.chatPost.findMany({ where: { chatLinkId: link.id }, select: { itemKey: true } })).map(
      (p) => p.itemKey,
    ),
  );
  const missing = items.filter((i) => !shown.has(i.key));
  // One platform message at a time, each as full as the platform allows (a burst of offers becomes few posts),
  // each recorded as soon as it is out: a retry after a failure part-way posts only what is still missing.
  for (const group of replyGroups(chat, missing)) {
    await slot();
    const { messageIds } = await chat.replyInThread({ channelId: link.channelId, threadId: link.threadId! }, group);
    chatPostsTotal.inc({ platform, kind: "reply" });
    await deps.db.chatPost.createMany({
      data:
        messageIds.length === 1
          ? postRows(link.id, messageIds[0]!, group)
          : group.map((b) => ({ chatLinkId: link!.id, itemKey: b.key })),
      skipDuplicates: true,
    });
  }
  // Messages already in the thread whose items changed (an offer decided: its buttons go) are drawn again.
  await refreshThreadMessages(
    deps.db,
    chat,
    { id: link.id, channelId: link.channelId, threadId: link.threadId! },
    items,
    editSlot,
  );
  // Only clear the mark if nothing new happened while this sync ran.
  await deps.db.chatLink.updateMany({
    where: { id: link.id, dirtySince: { lte: startedAt } },
    data: { dirtySince: null },
  });
}
