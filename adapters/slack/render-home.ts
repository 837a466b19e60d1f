// Block Kit for a person's App Home: "My referrals" and, for ART, "Awaiting my decision", each entry linking to
// its thread. Slack allows 100 blocks in a home view: lists are cut to fit and end with "and N more".
import type { HomeView, ThreadRef } from "../../src/chat/port.js";
import { londonDateTime } from "../../src/digest/london.js";
import { cut, LIMITS, safeText } from "./escape.js";

type Block = Record<string, unknown>;

export const HOME_BLOCK_LIMIT = 100;

/** A permalink is used only if it cannot break out of mrkdwn's <url|text> form. */
const linkable = (url: string | undefined): url is string => !!url && /^https?:\/\/[^\s<>|]+$/.test(url);

const header = (text: string): Block => ({
  type: "header",
  text: { type: "plain_text", text: cut(text, LIMITS.header) },
});
const section = (text: string): Block => ({
  type: "section",
  text: { type: "mrkdwn", text: cut(text, LIMITS.sectionText) },
});
const context = (text: string): Block => ({ type: "context", elements: [{ type: "mrkdwn", text }] });

export const threadKey = (t: ThreadRef) => `${t.channelId}/${t.threadId}`;

function refText(reference: string, thread: ThreadRef | undefined, links: Map<string, string>): string {
  const ref = safeText(reference, 40);
  const url = thread ? links.get(threadKey(thread)) : undefined;
  return linkable(url) ? `*<${url}|${ref}>*` : `*${ref}*`;
}

export function homeBlocks(home: HomeView, links: Map<string, string>): Block[] {
  const mine = home.myReferrals;
  const awaiting = home.awaiting;
  // Fixed blocks: two headers, up to two "and N more" lines, the footnote, a divider.
  const room = HOME_BLOCK_LIMIT - 6;
  const awaitingShown = awaiting ? Math.min(awaiting.entries.length, Math.ceil(room / 2)) : 0;
  const mineShown = Math.min(mine.entries.length, room - awaitingShown);
  const blocks: Block[] = [];
  if (awaiting) {
    blocks.push(header(`Awaiting my decision (${awaiting.total})`));
    if (!awaiting.entries.length) blocks.push(section("_Nothing waits on you._"));
    for (const a of awaiting.entries.slice(0, awaitingShown)) {
      const urgent = a.urgency === "emergency" ? "🚨 " : "";
      blocks.push(
        section(
          `${urgent}${refText(a.reference, a.thread, links)} · ${safeText(a.text, 600)}\n_Waiting since ${londonDateTime(new Date(a.since))}_`,
        ),
      );
    }
    const left = awaiting.total - awaitingShown;
    if (left > 0) blocks.push(context(`…and ${left} more`));
    blocks.push({ type: "divider" });
  }
  blocks.push(header(`My referrals (${mine.total})`));
  if (!mine.entries.length) blocks.push(section("_You have not raised a referral yet. Use /referral to raise one._"));
  for (const r of mine.entries.slice(0, mineShown)) {
    const urgent = r.urgency === "emergency" ? "🚨 " : "";
    blocks.push(
      section(
        `${urgent}${refText(r.reference, r.thread, links)} · ${safeText(r.statusText)} · ${r.offers} offer${r.offers === 1 ? "" : "s"}\nNext: ${safeText(r.next, 600)}`,
      ),
    );
  }
  const left = mine.total - mineShown;
  if (left > 0) blocks.push(context(`…and ${left} more`));
  blocks.push(context("Anonymised: references and status only. Open a referral's thread for more."));
  return blocks;
}
