// Adaptive Card building blocks for Teams. Text that comes from outside (providers, social workers) is only
// ever put in RichTextBlock TextRuns, which Adaptive Cards never read as Markdown: nobody can write a link, a
// heading or a mention into a card. TextBlocks (which do read Markdown) carry only our own words.
export type Element = Record<string, unknown>;

export const LIMITS = {
  /**
   * A thread card's size as Teams counts it (the activity encoded as UTF-16, see `teamsSize`). Teams refuses bot
   * messages over ~100 KB and asks for at most 80 KB; cards are grouped up to 64 KB, leaving 16 KB under 80 KB for
   * what grouping does not see (staff names, which are filled in after grouping, and the activity's envelope).
   */
  messageBytes: 64_000,
  text: 2000,
};

// Control characters (other than newline and tab) never mean anything in a card.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function cut(text: string, max: number = LIMITS.text): string {
  const clean = text.replace(CONTROL, "");
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

export const money = (gbp: number) => `£${gbp.toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;

/** Our own words (may use Markdown). */
export const heading = (text: string, extra: Element = {}): Element => ({
  type: "TextBlock",
  text,
  wrap: true,
  weight: "Bolder",
  ...extra,
});
export const note = (text: string, extra: Element = {}): Element => ({
  type: "TextBlock",
  text,
  wrap: true,
  isSubtle: true,
  size: "Small",
  ...extra,
});

export type Run = string | { text: string; bold?: boolean; italic?: boolean };
/** A line of runs; runs are plain text whatever they contain. */
export const line = (...runs: Run[]): Element => ({
  type: "RichTextBlock",
  inlines: runs.map((r) =>
    typeof r === "string"
      ? { type: "TextRun", text: cut(r) }
      : {
          type: "TextRun",
          text: cut(r.text),
          ...(r.bold ? { weight: "Bolder" } : {}),
          ...(r.italic ? { italic: true } : {}),
        },
  ),
});

export const fact = (label: string, value: string): Element => line({ text: `${label}: `, bold: true }, value);

/** `tooltip`: what a screen reader says (and a mouse shows), when the title alone would not tell buttons apart. */
export const execute = (
  title: string,
  verb: string,
  data: Record<string, string>,
  style?: "positive" | "destructive",
  tooltip?: string,
) => ({
  type: "Action.Execute",
  title: cut(title, 60),
  verb,
  data: { verb, ...data },
  ...(style ? { style } : {}),
  ...(tooltip ? { tooltip: cut(tooltip, 200) } : {}),
});

export const actions = (...list: Element[]): Element => ({ type: "ActionSet", actions: list });

/** A button that unfolds a small card in place (its inputs travel with that card's own Action.Execute). */
export const showCard = (title: string, body: Element[]): Element => ({
  type: "Action.ShowCard",
  title: cut(title, 60),
  card: { type: "AdaptiveCard", body },
});

export function adaptiveCard(body: Element[], extra: Element = {}): Element {
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    msteams: { width: "Full" },
    body,
    ...extra,
  };
}

export const cardAttachment = (card: Element) => ({
  contentType: "application/vnd.microsoft.card.adaptive",
  content: card,
});

export const byteSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
/**
 * A value's size as Teams measures a message: its JSON encoded as UTF-16 (two bytes per code unit). Teams leaves
 * base64 images out of its count, so this is for thread cards (which have none), not for the digest's chart.
 */
export const teamsSize = (value: unknown) => JSON.stringify(value).length * 2;
