// Adaptive Cards for a person's home in the bot's personal chat ("My referrals", and for ART "Awaiting my
// decision"), for direct messages (nudges) and for the per-user view of thread cards (Universal Actions refresh).
import type { DirectMessage, HomeView, ThreadRef } from "../../src/chat/port.js";
import { londonDateTime } from "../../src/digest/london.js";
import { actions, adaptiveCard, cut, type Element, execute, heading, line, note } from "./card-parts.js";
import { teamsThreadLink } from "./render-digest.js";
import { itemElements, type Names } from "./render-thread.js";

/** Entries per list on the home card, so it stays well under Teams' message size. */
const HOME_ENTRIES = 40;

/** The reference as a link to its thread (a TextRun's selectAction: plain text, never Markdown). */
function refRun(reference: string, thread: ThreadRef | undefined, tenantId?: string): Element {
  return {
    type: "TextRun",
    text: cut(reference, 40),
    weight: "Bolder",
    ...(thread ? { selectAction: { type: "Action.OpenUrl", url: teamsThreadLink(thread, tenantId) } } : {}),
  };
}

const entry = (...inlines: Element[]): Element => ({ type: "RichTextBlock", inlines });
const run = (text: string): Element => ({ type: "TextRun", text: cut(text, 600) });

/**
 * The home card. `refreshFor` (the person's conversation id, "29:...") makes Teams ask for a fresh one each time
 * the person opens the chat (Universal Actions' automatic refresh).
 */
export function homeCard(home: HomeView, opts: { refreshFor?: string; tenantId?: string } = {}): Element {
  const body: Element[] = [];
  if (home.awaiting) {
    body.push(heading(`Awaiting my decision (${home.awaiting.total})`, { size: "Large" }));
    if (!home.awaiting.entries.length) body.push(note("Nothing waits on you."));
    for (const a of home.awaiting.entries.slice(0, HOME_ENTRIES)) {
      body.push(
        entry(
          run(a.urgency === "emergency" ? "🚨 " : ""),
          refRun(a.reference, a.thread, opts.tenantId),
          run(` · ${a.text} · waiting since ${londonDateTime(new Date(a.since))}`),
        ),
      );
    }
    const left = home.awaiting.total - Math.min(home.awaiting.entries.length, HOME_ENTRIES);
    if (left > 0) body.push(note(`…and ${left} more`));
  }
  body.push(heading(`My referrals (${home.myReferrals.total})`, { size: "Large", separator: true }));
  if (!home.myReferrals.entries.length) body.push(note("You have not raised a referral yet. Type **new referral**."));
  for (const r of home.myReferrals.entries.slice(0, HOME_ENTRIES)) {
    body.push(
      entry(
        run(r.urgency === "emergency" ? "🚨 " : ""),
        refRun(r.reference, r.thread, opts.tenantId),
        run(` · ${r.statusText} · ${r.offers} offer${r.offers === 1 ? "" : "s"} · Next: ${r.next}`),
      ),
    );
  }
  const left = home.myReferrals.total - Math.min(home.myReferrals.entries.length, HOME_ENTRIES);
  if (left > 0) body.push(note(`…and ${left} more`));
  body.push(actions(execute("Refresh", "refreshHome", {})));
  return adaptiveCard(body, {
    ...(opts.refreshFor
      ? {
          refresh: {
            action: { type: "Action.Execute", verb: "refreshHome", data: { verb: "refreshHome" } },
            userIds: [opts.refreshFor],
          },
        }
      : {}),
  });
}

/** A nudge: our words, a link to the thread, the items with their buttons (the same verbs as in the thread). */
export function directCard(message: DirectMessage, names: Names, tenantId?: string): Element {
  return adaptiveCard([
    line(message.text),
    ...(message.thread
      ? [actions({ type: "Action.OpenUrl", title: "Open the thread", url: teamsThreadLink(message.thread, tenantId) })]
      : []),
    ...message.items.flatMap((i) => itemElements(i, names)),
  ]);
}
