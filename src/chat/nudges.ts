// Nudges: a direct message to the people who can act on what waits too long (an offer or a second approval for
// ART; an unanswered question for the social worker who raised the referral), with the same buttons as in the
// thread. Once per item, recipient and interval: the ChatNudge row is claimed (a unique INSERT) before the
// message is sent, so a retried or concurrent run never sends it twice; a send that fails gives the claim back
// so the next run tries again. Quiet hours (London time) hold back standard referrals; emergencies go any time.

import type { QuietHours } from "../config/nudges.js";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { londonTime } from "../digest/london.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { membershipOf } from "./approvers.js";
import type { ChatPort, Platform, ThreadItem } from "./port.js";
import { buildThread, loadThreadState } from "./thread-model.js";
import { threadsOf, type WaitingItem, waitingItems } from "./waiting.js";

export interface NudgeDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  chats: Partial<Record<Platform, ChatPort>>;
}

/** Items looked at per run (oldest first); the rest wait for the next run. */
const BATCH = 500;

/** Whether an instant falls in the quiet hours, read on London's wall clock (the window may wrap past midnight). */
export function inQuietHours(at: Date, quiet: QuietHours): boolean {
  if (!quiet) return false;
  const [h, m] = londonTime(at).split(":").map(Number) as [number, number];
  const minute = h * 60 + m;
  return quiet.startMinute < quiet.endMinute
    ? minute >= quiet.startMinute && minute < quiet.endMinute
    : minute >= quiet.startMinute || minute < quiet.endMinute;
}

function intervalMs(item: WaitingItem, c: Config): number {
  if (item.kind === "question") return c.QUESTION_NUDGE_HOURS * 3_600_000;
  return item.urgency === "emergency" ? c.APPROVAL_NUDGE_MINUTES * 60_000 : c.APPROVAL_NUDGE_HOURS * 3_600_000;
}

const WHY: Record<WaitingItem["kind"], string> = {
  offer: "An offer is waiting for an ART decision",
  second_approval: "A second, senior approval is waiting",
  question: "A provider's question on your referral is waiting for an answer",
};

export async function sendNudges(deps: NudgeDeps): Promise<{ sent: number; failed: number }> {
  const now = deps.clock.now();
  const quiet = inQuietHours(now, deps.config.QUIET_HOURS);
  const due = (await waitingItems(deps.db, { limit: BATCH }))
    .filter((i) => i.urgency === "emergency" || !quiet)
    .map((item) => ({ item, slot: Math.floor((now.getTime() - item.since.getTime()) / intervalMs(item, deps.config)) }))
    .filter((d) => d.slot >= 1);
  let sent = 0;
  let failed = 0;
  if (!due.length) return { sent, failed };
  const threadItems = new Map<string, ThreadItem[]>();
  const itemsOf = async (referralId: string) => {
    let items = threadItems.get(referralId);
    if (!items) {
      items = buildThread(await loadThreadState(deps.db, referralId)).items;
      threadItems.set(referralId, items);
    }
    return items;
  };
  for (const [platform, chat] of Object.entries(deps.chats) as [Platform, ChatPort][]) {
    const membership = membershipOf(deps.config, platform, chat, deps.logger);
    const [art, senior] = await Promise.all([membership.membersOf("art"), membership.membersOf("senior")]);
    const threads = await threadsOf(
      deps.db,
      platform,
      due.map((d) => d.item.referralId),
    );
    const prefix = `${platform}:`;
    for (const { item, slot } of due) {
      const recipients =
        item.kind === "offer"
          ? art
          : item.kind === "second_approval"
            ? senior.filter((u) => `${prefix}${u}` !== item.firstApprover)
            : item.raisedBy.startsWith(prefix)
              ? [item.raisedBy.slice(prefix.length)]
              : [];
      if (!recipients.length) continue;
      const shown = (await itemsOf(item.referralId)).filter((t) => t.key === item.threadKey);
      const thread = threads.get(item.referralId);
      for (const userId of recipients) {
        const claim = await deps.db.chatNudge
          .create({ data: { platform, userId, itemKey: item.key, slot, referralId: item.referralId } })
          .catch((err: { code?: string }) => {
            if (err.code === "P2002") return undefined; // already nudged for this interval
            throw err;
          });
        if (!claim) continue;
        try {
          await chat.sendDirect(userId, {
            reference: item.reference,
            text: `${item.urgency === "emergency" ? "EMERGENCY: " : ""}${WHY[item.kind]} on referral ${item.reference}: ${item.text}.`,
            items: shown,
            ...(thread ? { thread } : {}),
          });
          await deps.db.chatNudge.update({ where: { id: claim.id }, data: { sentAt: deps.clock.now() } });
          sent++;
        } catch (err) {
          await deps.db.chatNudge.delete({ where: { id: claim.id } }).catch(() => undefined);
          failed++;
          deps.logger.warn(
            { platform, itemKey: item.key, referralId: item.referralId, error: (err as Error).message.slice(0, 200) },
            "nudge not sent; the next run tries again",
          );
        }
      }
    }
  }
  return { sent, failed };
}
