// Block Kit for "Compare offers": a modal with every live offer, one section per offer with its Approve button,
// and buttons that redraw it sorted by cost, by start date or by distance. Within Slack's 100 blocks per modal.
import { COMPARE_SORT_BUTTONS, comparedOfferFacts, comparisonSortText } from "../../src/chat/card-text.js";
import { COMPARE_SORTS, type CompareSort, type OfferComparison } from "../../src/chat/port.js";
import { cut, LIMITS, safeText } from "./escape.js";

type Block = Record<string, unknown>;
const plain = (text: string) => ({ type: "plain_text", text });

/** Slack's limit is 100 blocks per modal: 3 around the table and 2 per offer. */
export const MODAL_BLOCKS = 100;
const MAX_OFFERS = Math.floor((MODAL_BLOCKS - 3) / 2);

export const COMPARE_CALLBACK = "compare_offers";

export function compareModal(c: OfferComparison): Block {
  const shown = c.offers.slice(0, MAX_OFFERS);
  const sortButton = (sort: CompareSort) => ({
    type: "button",
    text: plain(COMPARE_SORT_BUTTONS[sort]),
    action_id: `compare_sort_${sort}`,
    value: c.referralId,
    ...(c.sort === sort ? { style: "primary" } : {}),
  });
  const offerBlocks = shown.flatMap((o) => [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: cut(
          `*${safeText(o.providerName, 200)}*\n${comparedOfferFacts(o)
            .map((f) => safeText(f, 600))
            .join(" · ")}\n${safeText(o.needsMet, 1500)}`,
          LIMITS.sectionText,
        ),
      },
      ...(o.actionable
        ? {
            accessory: {
              type: "button",
              text: plain("Approve"),
              action_id: "approve_offer",
              value: o.responseId,
              style: "primary",
              accessibility_label: cut(`Approve the offer from ${o.providerName.replace(/[<>]/g, "")}`, 75),
            },
          }
        : {}),
    },
    { type: "divider" },
  ]);
  const more = c.offers.length - shown.length;
  return {
    type: "modal",
    callback_id: COMPARE_CALLBACK,
    private_metadata: `${c.referralId}:${c.sort}`,
    title: plain(cut(`Offers ${c.reference}`, LIMITS.modalTitle)),
    close: plain("Close"),
    blocks: [
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `${safeText(comparisonSortText(c))}${more ? ` ${more} more not shown: decide on these first.` : ""}`,
          },
        ],
      },
      {
        type: "actions",
        elements: COMPARE_SORTS.map(sortButton),
      },
      ...(offerBlocks.length
        ? offerBlocks
        : [{ type: "section", text: { type: "mrkdwn", text: "No live offers to compare." } }]),
    ],
  };
}
