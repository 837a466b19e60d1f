// The digest as plain text: what `referral-bot digest --now --dry-run` prints.
import { longDate } from "./london.js";
import type { Digest } from "./model.js";

export function digestText(d: Digest): string {
  const out = [`Daily digest for ${longDate(d.date)}`, d.headline, ""];
  for (const s of d.sections) {
    out.push(`${s.title} (${s.total})`);
    if (s.lines.length === 0) out.push("  None");
    for (const l of s.lines) out.push(`  - ${l.reference ? `${l.reference} · ` : ""}${l.text}`);
    if (s.more > 0) out.push(`  ... and ${s.more} more`);
    out.push("");
  }
  return out.join("\n");
}
