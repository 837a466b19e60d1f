// The daily digest as an Adaptive Card: one block per section, each referral's reference a link to its thread
// in Teams. Text from the data sits only in TextRuns (never read as Markdown); links are built here, from ids.

import type { ThreadRef } from "../../src/chat/port.js";
import { digestFootnote, longDate } from "../../src/digest/london.js";
import type { Digest, DigestLine } from "../../src/digest/model.js";
import { adaptiveCard, cut, type Element, heading, line, note } from "./card-parts.js";

/** A Teams deep link to a channel message's thread (opens the conversation at that message). */
export function teamsThreadLink(ref: ThreadRef, tenantId?: string): string {
  const query = new URLSearchParams({ parentMessageId: ref.threadId, ...(tenantId ? { tenantId } : {}) });
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(ref.channelId)}/${encodeURIComponent(ref.threadId)}?${query}`;
}

function lineElement(l: DigestLine, tenantId: string | undefined): Element {
  const inlines: Element[] = [{ type: "TextRun", text: "• " }];
  if (l.reference) {
    inlines.push({
      type: "TextRun",
      text: cut(l.reference, 40),
      weight: "Bolder",
      ...(l.thread ? { selectAction: { type: "Action.OpenUrl", url: teamsThreadLink(l.thread, tenantId) } } : {}),
    });
    inlines.push({ type: "TextRun", text: " · " });
  }
  inlines.push({ type: "TextRun", text: cut(l.text, 600) });
  return { type: "RichTextBlock", inlines };
}

export function digestCard(d: Digest, tenantId?: string): Element {
  const body: Element[] = [heading(`Daily digest: ${longDate(d.date)}`, { size: "Large" }), line(d.headline)];
  for (const s of d.sections) {
    body.push({
      type: "Container",
      separator: true,
      items: [
        line({ text: `${s.title} (${s.total})`, bold: true }),
        ...(s.lines.length === 0
          ? [line({ text: "None", italic: true })]
          : s.lines.map((l) => lineElement(l, tenantId))),
        ...(s.more > 0 ? [line({ text: `…and ${s.more} more`, italic: true })] : []),
      ],
    });
  }
  body.push(note(digestFootnote(d.generatedAt)));
  return adaptiveCard(body);
}

/** The chart as its own card, posted in the digest's thread (a data URI: nothing to host, nothing to fetch). */
export function chartCard(chart: { png: Buffer; altText: string }, date: string): Element {
  return adaptiveCard([
    line({ text: `Unplaced children by lot and by days waiting (${date})`, bold: true }),
    {
      type: "Image",
      url: `data:image/png;base64,${chart.png.toString("base64")}`,
      altText: cut(chart.altText, 1000),
      size: "Stretch",
    },
  ]);
}
