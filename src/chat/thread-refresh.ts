// Thread messages are drawn again when what they show changed: an offer decided (its Approve / Decline buttons
// go), a second approval given or refused. Each ChatPost row remembers its message, its place in it, the item as
// posted and the hash of the message as last drawn, so a message is redrawn once per change, and items that have
// left the timeline (a second-approval request once answered) are drawn from what was posted, without buttons.
import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { ChatPort, ThreadItem } from "./port.js";

export const hashItems = (items: ThreadItem[]) => createHash("sha256").update(JSON.stringify(items)).digest("hex");

/** The ChatPost rows recording one posted message. */
export function postRows(chatLinkId: string, messageId: string, group: ThreadItem[]) {
  const renderHash = hashItems(group);
  return group.map((item, position) => ({
    chatLinkId,
    itemKey: item.key,
    messageId,
    position,
    item: item as unknown as Prisma.InputJsonValue,
    renderHash,
  }));
}

/** An item no longer in the timeline, as stored when posted: shown as it was, but without buttons. */
function settled(stored: ThreadItem): ThreadItem {
  if (stored.kind === "offer" || stored.kind === "second_approval_needed") return { ...stored, actionable: false };
  if (stored.kind === "round_opened") return { ...stored, closesAt: new Date(stored.closesAt) };
  return stored;
}

/** Redraws the thread's messages whose items changed; `slot` waits for the channel's rate before each call. */
export async function refreshThreadMessages(
  db: Db,
  chat: ChatPort,
  link: { id: string; channelId: string; threadId: string },
  items: ThreadItem[],
  slot: () => Promise<void>,
): Promise<number> {
  const rows = await db.chatPost.findMany({
    where: { chatLinkId: link.id, messageId: { not: null } },
    orderBy: [{ messageId: "asc" }, { position: "asc" }],
  });
  const current = new Map(items.map((i) => [i.key, i]));
  const messages = new Map<string, typeof rows>();
  for (const r of rows) messages.set(r.messageId!, [...(messages.get(r.messageId!) ?? []), r]);
  let redrawn = 0;
  for (const [messageId, posted] of messages) {
    if (posted.some((r) => !r.item)) continue;
    const shown = posted.map((r) => current.get(r.itemKey) ?? settled(r.item as unknown as ThreadItem));
    const renderHash = hashItems(shown);
    if (posted.every((r) => r.renderHash === renderHash)) continue;
    await slot();
    await chat.updateThreadMessage({ channelId: link.channelId, threadId: link.threadId, messageId }, shown);
    await db.chatPost.updateMany({ where: { chatLinkId: link.id, messageId }, data: { renderHash } });
    redrawn++;
  }
  return redrawn;
}
