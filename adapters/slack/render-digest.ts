// Block Kit for the daily digest: one section per digest section, each referral's reference linking to its
// thread. Every piece of text from the data is escaped; links are built only from Slack's own permalinks.
import { digestFootnote, longDate } from "../../src/digest/london.js";
import type { Digest, DigestLine } from "../../src/digest/model.js";
import { cut, LIMITS, safeText } from "./escape.js";

type Block = Record<string, unknown>;

/** A permalink is used only if it cannot break out of mrkdwn's <url|text> form. */
const linkable = (url: string | undefined): url is string => !!url && /^https?:\/\/[^\s<>|]+$/.test(url);

function lineText(line: DigestLine, permalink: string | undefined): string {
  const ref = line.reference ? safeText(line.reference, 40) : "";
  const head = ref ? (linkable(permalink) ? `<${permalink}|${ref}>` : `*${ref}*`) : "";
  return `• ${head}${head ? " · " : ""}${safeText(line.text, 600)}`;
}

/** Lines joined until the section's text limit; whatever does not fit is counted in "and N more". */
function sectionText(title: string, total: number, lines: string[], more: number): string {
  const headerText = `*${safeText(title, 200)}* (${total})`;
  if (lines.length === 0) return `${headerText}\n_None_`;
  const kept: string[] = [];
  let length = headerText.length;
  for (const l of lines) {
    if (length + l.length + 40 > LIMITS.sectionText) break;
    kept.push(l);
    length += l.length + 1;
  }
  const left = more + lines.length - kept.length;
  return [headerText, ...kept, ...(left > 0 ? [`_…and ${left} more_`] : [])].join("\n");
}

/** `permalinks` maps "<channel>/<thread ts>" to the thread's permalink. */
export function digestBlocks(d: Digest, permalinks: Map<string, string>): Block[] {
  const blocks: Block[] = [
    { type: "header", text: { type: "plain_text", text: cut(`Daily digest: ${longDate(d.date)}`, LIMITS.header) } },
    { type: "section", text: { type: "mrkdwn", text: safeText(d.headline) } },
  ];
  for (const s of d.sections) {
    const lines = s.lines.map((l) =>
      lineText(l, l.thread ? permalinks.get(`${l.thread.channelId}/${l.thread.threadId}`) : undefined),
    );
    blocks.push(
      { type: "divider" },
      { type: "section", text: { type: "mrkdwn", text: sectionText(s.title, s.total, lines, s.more) } },
    );
  }
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: digestFootnote(d.generatedAt),
      },
    ],
  });
  return blocks;
}

export function digestFallbackText(d: Digest): string {
  return safeText(`Daily digest ${d.date}: ${d.headline}`, 300);
}
