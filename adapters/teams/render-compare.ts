// The Adaptive Card for "Compare offers": every live offer, its facts in one line and how it meets the child's
// needs, with Approve (the thread's own approve_offer action) and buttons that redraw the card sorted by cost or by
// start date. Providers' words only in RichTextBlock runs; the card stays within Teams' size limit.
import { comparedOfferFacts, comparisonSortText } from "../../src/chat/card-text.js";
import type { ComparedOffer, OfferComparison } from "../../src/chat/port.js";
import { actions, adaptiveCard, type Element, execute, heading, LIMITS, line, note, teamsSize } from "./card-parts.js";

function offerElements(o: ComparedOffer): Element[] {
  return [
    line({ text: o.providerName, bold: true }),
    line(comparedOfferFacts(o).join(" · ")),
    line({ text: o.needsMet, italic: true }),
    ...(o.actionable
      ? [
          actions(
            execute(
              "Approve",
              "approve_offer",
              { responseId: o.responseId },
              "positive",
              `Approve the offer from ${o.providerName}`,
            ),
          ),
        ]
      : []),
  ];
}

export function compareCard(c: OfferComparison): Element {
  const sortButtons = actions(
    execute(
      "Sort by cost",
      "compare_offers",
      { referralId: c.referralId, sort: "cost" },
      c.sort === "cost" ? "positive" : undefined,
    ),
    execute(
      "Sort by start date",
      "compare_offers",
      { referralId: c.referralId, sort: "start" },
      c.sort === "start" ? "positive" : undefined,
    ),
    execute("Back to the card", "hide_details", { referralId: c.referralId }),
  );
  const head = [heading(`Compare offers: ${c.reference}`), note(comparisonSortText(c)), sortButtons];
  const body: Element[] = [...head];
  let shown = 0;
  for (const o of c.offers) {
    const next = [...body, { type: "Container", separator: true, items: offerElements(o) }];
    // Leaves room for the "more not shown" note and the activity's envelope.
    if (teamsSize(adaptiveCard(next)) > LIMITS.messageBytes - 2_000) break;
    body.push(next.at(-1)!);
    shown++;
  }
  if (!c.offers.length) body.push(note("No live offers to compare."));
  if (shown < c.offers.length) body.push(note(`${c.offers.length - shown} more not shown: decide on these first.`));
  return adaptiveCard(body);
}
