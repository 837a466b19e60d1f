// Block Kit for the referral card and its timeline. Only the anonymised profile is ever rendered here.
import {
  costText,
  countsText,
  documentsStatus,
  OFFER_OUTCOME_TEXT,
  roundOpenedText,
  roundWidenedText,
  startDateText,
} from "../../src/chat/card-text.js";
import type { ReferralCard, ThreadItem } from "../../src/chat/port.js";
import { profileRows } from "../../src/responses/profile.js";
import { cut, LIMITS, safeText } from "./escape.js";

type Block = Record<string, unknown>;

const money = (gbp: number) => `£${gbp.toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;
const section = (text: string): Block => ({
  type: "section",
  text: { type: "mrkdwn", text: cut(text, LIMITS.sectionText) },
});
/** `label`: what a screen reader says, when the button's text alone would not tell it from its neighbours'. */
const button = (
  text: string,
  actionId: string,
  value: string,
  style?: "primary" | "danger",
  label?: string,
): Block => ({
  type: "button",
  text: { type: "plain_text", text: cut(text, LIMITS.buttonText) },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
  // Plain text that a screen reader speaks: angle brackets from a provider's name are dropped, not escaped.
  ...(label ? { accessibility_label: cut(label.replace(/[<>]/g, ""), LIMITS.buttonText) } : {}),
});
const field = (label: string, value: string) => ({
  type: "mrkdwn",
  text: cut(`*${label}*\n${safeText(value, 1900)}`, LIMITS.fieldText),
});
const actorName = (id: string) => (id.startsWith("slack:") ? `<@${id.slice(6)}>` : safeText(id));

export function cardBlocks(card: ReferralCard): Block[] {
  // The reference is in the header; the rest of the profile as providers were sent it, in sections of at most
  // 10 fields (Slack's limit per section).
  const rows = profileRows(card.profile).filter(([label]) => label !== "Reference");
  const sections: Block[] = [];
  for (let i = 0; i < rows.length; i += 10)
    sections.push({ type: "section", fields: rows.slice(i, i + 10).map(([label, value]) => field(label, value)) });
  return [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: cut(
          `${card.profile.urgency === "emergency" ? "EMERGENCY " : ""}Referral ${card.reference}`,
          LIMITS.header,
        ),
      },
    },
    section(`*Status:* ${safeText(card.statusText)}`),
    ...sections,
    { type: "context", elements: [{ type: "mrkdwn", text: countsText(card) }] },
    {
      type: "actions",
      elements: [
        button("View details (ART)", "view_details", card.referralId),
        ...(card.counts.offers > 0 ? [button("Compare offers (ART)", "compare_offers", card.referralId)] : []),
        ...(card.withdrawable ? [button("Withdraw", "withdraw_referral", card.referralId, "danger")] : []),
      ],
    },
  ];
}

export function itemBlocks(item: ThreadItem): Block[] {
  switch (item.kind) {
    case "round_opened":
      return [section(`:outbox_tray: ${roundOpenedText(item)}`)];
    case "round_widened":
      return [section(`:heavy_plus_sign: ${roundWidenedText(item)}`)];
    case "offer": {
      const offer = `the offer from ${item.providerName} at ${money(item.weeklyCostGbp)}/week`;
      return [
        section(
          `${item.outcome ? `*${OFFER_OUTCOME_TEXT[item.outcome]}* ` : ""}:house: *Offer from ${safeText(item.providerName, 200)}*${item.ofstedGrade ? ` (Ofsted: ${safeText(item.ofstedGrade, 40)})` : ""}\n` +
            `*${safeText(costText(item), 600)}*, from ${startDateText(item.startDate)}\n${safeText(item.needsMet, 2000)}${item.notes ? `\n_${safeText(item.notes, 500)}_` : ""}`,
        ),
        ...(item.actionable
          ? [
              {
                type: "actions",
                elements: [
                  button("Approve", "approve_offer", item.responseId, "primary", `Approve ${offer}`),
                  button("Decline", "decline_offer", item.responseId, "danger", `Decline ${offer}`),
                ],
              },
            ]
          : []),
      ];
    }
    case "decline":
      return [
        section(
          `:no_entry_sign: ${safeText(item.providerName, 200)} declined: ${safeText(item.reasonText, 200)}${item.notes ? ` (${safeText(item.notes, 500)})` : ""}`,
        ),
      ];
    case "question":
      return [
        section(`:question: *${safeText(item.providerName, 200)} asks:* ${safeText(item.question, 2500)}`),
        {
          type: "actions",
          elements: [button("Reply", "answer_question", item.responseId, undefined, `Reply to ${item.providerName}`)],
        },
      ];
    case "delivery_failed":
      return [section(`:warning: Could not reach ${safeText(item.providerName, 200)}: ${safeText(item.error, 500)}`)];
    case "round_closed":
      return [
        section(
          `:hourglass: Round ${item.roundNumber} closed${item.outcome === "recirculated" ? "; recirculating" : item.outcome === "expired" ? "; the referral has expired unplaced" : ""}`,
        ),
      ];
    case "second_approval_needed":
      return [
        section(
          `:raised_hand: ${actorName(item.firstApproverId)} approved ${safeText(item.providerName, 200)} at ${safeText(costText(item), 600)}. A second, senior approver is needed.`,
        ),
        ...(item.actionable
          ? [
              {
                type: "actions",
                elements: [
                  button("Give second approval", "second_approve", item.referralId, "primary"),
                  button("Refuse", "second_refuse", item.referralId, "danger"),
                ],
              },
            ]
          : []),
      ];
    case "decision": {
      const by = item.decidedBy.map(actorName).join(" and ");
      const text = {
        placed: `:white_check_mark: *Placed* with ${safeText(item.providerName, 200)} at ${safeText(costText(item), 600)}, approved by ${by}.`,
        offer_declined: `Offer from ${safeText(item.providerName, 200)} declined by ${by}.`,
        second_approval_refused: `Second approval refused by ${by} for ${safeText(item.providerName, 200)}.`,
      }[item.outcome];
      return [section(text)];
    }
    case "answer_sent":
      return [
        section(
          `:speech_balloon: ${actorName(item.answeredBy)} answered ${safeText(item.providerName, 200)}: ${safeText(item.answer, 2500)}`,
        ),
      ];
    case "documents_requested":
      return [
        section(
          `:page_facing_up: *${safeText(item.providerName, 200)} asks for documents:* ${safeText(item.documents, 500)}. ${documentsStatus(item)}`,
        ),
        ...(item.actionable
          ? [
              {
                type: "actions",
                elements: [
                  button(
                    item.released ? "Release again" : "Release to this provider",
                    "release_documents",
                    item.requestId,
                    item.released ? undefined : "primary",
                    `Release documents to ${item.providerName}`,
                  ),
                  button("Add a document", "document_upload_link", item.referralId),
                ],
              },
            ]
          : []),
      ];
    case "withdrawn":
      return [section(`Referral withdrawn: ${safeText(item.reason, 1000)}`)];
    case "note":
      return [section(safeText(item.text, 1500))];
  }
}

/**
 * Items grouped so that each group makes one message of at most 50 blocks. Items sit one after another without
 * dividers (each starts with its emoji and bold line): a divider per item cost a third of the message, and a
 * burst of 200 offers needed 14 paced posts (15 s) instead of 9.
 */
export function groupThreadItems(items: ThreadItem[]): ThreadItem[][] {
  const groups: ThreadItem[][] = [];
  let current: ThreadItem[] = [];
  let blocks = 0;
  for (const item of items) {
    const n = itemBlocks(item).length;
    if (current.length && blocks + n > LIMITS.blocksPerMessage) {
      groups.push(current);
      current = [];
      blocks = 0;
    }
    blocks += n;
    current.push(item);
  }
  if (current.length) groups.push(current);
  return groups;
}

/** Items as messages' blocks, one message per group. */
export function threadMessages(items: ThreadItem[]): Block[][] {
  return groupThreadItems(items).map((group) => group.flatMap((item) => itemBlocks(item)));
}

/**
 * The card's notification text (what a phone or a screen reader shows instead of the blocks). Slack reads it as
 * mrkdwn too, so the status, which can name a provider or quote a withdrawal reason, is escaped here as well.
 */
export function cardFallbackText(card: ReferralCard): string {
  return safeText(`Referral ${card.reference}: ${card.statusText}`, 300);
}

export function summaryText(items: ThreadItem[]): string {
  return cut(items.map((i) => i.kind.replace(/_/g, " ")).join(", "), 300);
}
