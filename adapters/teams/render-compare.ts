// The Adaptive Card for "Compare offers": every live offer, its facts in one line and how it meets the child's
// needs, with Approve (the thread's own approve_offer action) and buttons that redraw the card sorted by cost, by
// start date or by distance. Providers' words only in RichTextBlock runs; the card stays within Teams' size limit.
import { COMPARE_SORT_BUTTONS, comparedOfferFacts, comparisonSortText } from "../../src/chat/card-text.js";
import { COMPARE_SORTS, type ComparedOffer, type OfferComparison } from "../../src/chat/port.js";
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
    ...COMPARE_SORTS.map((sort) =>
      execute(
        COMPARE_SORT_BUTTONS[sort],
        "compare_offers",
        { referralId: c.referralId, sort },
        c.sort === sort ? "positive" : undefined,
      ),
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
