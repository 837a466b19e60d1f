// The referral card and its timeline as Adaptive Cards. Only the anonymised profile is ever rendered here;
// restricted details are shown only to one ART member, in answer to their own click (render-forms.ts).
import { countsText, OFFER_OUTCOME_TEXT, roundOpenedText, startDateText } from "../../src/chat/card-text.js";
import type { ReferralCard, ThreadItem } from "../../src/chat/port.js";
import { WITHDRAWAL_REASONS, WITHDRAWAL_TEXT_MAX } from "../../src/lifecycle/withdrawal.js";
import { profileRows } from "../../src/responses/profile.js";
import {
  actions,
  adaptiveCard,
  type Element,
  execute,
  fact,
  heading,
  LIMITS,
  line,
  money,
  note,
  showCard,
  teamsSize,
} from "./card-parts.js";

/** Display names of staff by platform-neutral actor id ("teams:<object id>"). */
export type Names = Map<string, string>;
const nameOf = (id: string, names: Names) => names.get(id) ?? (id.startsWith("api:") ? id.slice(4) : "an ART member");

export const answerInputId = (responseId: string) => `answer.${responseId}`;

export function referralCardContent(card: ReferralCard): Element {
  const emergency = card.profile.urgency === "emergency";
  return adaptiveCard([
    heading(`${emergency ? "🚨 EMERGENCY " : ""}Referral ${card.reference}`, {
      size: "Large",
      ...(emergency ? { color: "Attention" } : {}),
    }),
    fact("Status", card.statusText),
    // The reference is in the heading; the rest of the profile exactly as providers were sent it.
    ...profileRows(card.profile)
      .filter(([label]) => label !== "Reference")
      .map(([label, value]) => fact(label, value)),
    ...(card.placement
      ? [fact("Placed with", `${card.placement.providerName} at ${money(card.placement.weeklyCostGbp)}/week`)]
      : []),
    line(countsText(card)),
    actions(
      execute("View details (ART)", "view_details", { referralId: card.referralId }),
      ...(card.withdrawable ? [withdrawAction(card.referralId)] : []),
    ),
  ]);
}

export const WITHDRAW_REASON_INPUT = "withdraw.reason";
export const WITHDRAW_TEXT_INPUT = "withdraw.text";

/** Withdraw: the reason from the core's fixed list and a few words, sent with the unfolded card's button. */
function withdrawAction(referralId: string): Element {
  return showCard("Withdraw", [
    line("Every provider that received the referral will be told it has closed. This cannot be undone."),
    {
      type: "Input.ChoiceSet",
      id: WITHDRAW_REASON_INPUT,
      label: "Reason",
      isRequired: true,
      errorMessage: "Choose a reason",
      style: "compact",
      choices: WITHDRAWAL_REASONS.map((r) => ({ title: r.label, value: r.code })),
    },
    {
      type: "Input.Text",
      id: WITHDRAW_TEXT_INPUT,
      label: "More detail (required for Other; no names)",
      isMultiline: true,
      maxLength: WITHDRAWAL_TEXT_MAX,
    },
    actions(execute("Withdraw referral", "withdraw_referral", { referralId }, "destructive")),
  ]);
}

export function itemElements(item: ThreadItem, names: Names): Element[] {
  switch (item.kind) {
    case "round_opened":
      return [line(`📤 ${roundOpenedText(item)}`)];
    case "offer": {
      const offer = `the offer from ${item.providerName} at ${money(item.weeklyCostGbp)}/week`;
      return [
        line(
          ...(item.outcome ? [{ text: `${OFFER_OUTCOME_TEXT[item.outcome]} `, bold: true }] : []),
          "🏠 ",
          { text: `Offer from ${item.providerName}`, bold: true },
          item.ofstedGrade ? ` (Ofsted: ${item.ofstedGrade})` : "",
        ),
        line({ text: `${money(item.weeklyCostGbp)}/week`, bold: true }, `, from ${startDateText(item.startDate)}`),
        line(item.needsMet),
        ...(item.notes ? [line({ text: item.notes, italic: true })] : []),
        ...(item.actionable
          ? [
              actions(
                execute("Approve", "approve_offer", { responseId: item.responseId }, "positive", `Approve ${offer}`),
                execute("Decline", "decline_offer", { responseId: item.responseId }, "destructive", `Decline ${offer}`),
              ),
            ]
          : []),
      ];
    }
    case "decline":
      return [line(`🚫 ${item.providerName} declined: ${item.reasonText}${item.notes ? ` (${item.notes})` : ""}`)];
    case "question":
      return [
        line("❓ ", { text: `${item.providerName} asks: `, bold: true }, item.question),
        // The answer box sits in the thread itself: Teams sends the card's inputs with the click.
        {
          type: "Input.Text",
          id: answerInputId(item.responseId),
          placeholder: "Answer (goes to this provider; no names or identifying details)",
          isMultiline: true,
          maxLength: 3000,
        },
        actions(
          execute(
            "Send answer",
            "answer_question",
            { responseId: item.responseId },
            undefined,
            `Send answer to ${item.providerName}`,
          ),
        ),
      ];
    case "delivery_failed":
      return [line(`⚠️ Could not reach ${item.providerName}: ${item.error}`)];
    case "round_closed":
      return [
        line(
          `⌛ Round ${item.roundNumber} closed${item.outcome === "recirculated" ? "; recirculating" : item.outcome === "expired" ? "; the referral has expired unplaced" : ""}`,
        ),
      ];
    case "second_approval_needed":
      return [
        line(
          `✋ ${nameOf(item.firstApproverId, names)} approved ${item.providerName} at ${money(item.weeklyCostGbp)}/week. A second, senior approver is needed.`,
        ),
        ...(item.actionable
          ? [
              actions(
                execute("Give second approval", "second_approve", { referralId: item.referralId }, "positive"),
                execute("Refuse", "second_refuse", { referralId: item.referralId }, "destructive"),
              ),
            ]
          : []),
      ];
    case "decision": {
      const by = item.decidedBy.map((id) => nameOf(id, names)).join(" and ");
      const text = {
        placed: `✅ Placed with ${item.providerName} at ${money(item.weeklyCostGbp)}/week, approved by ${by}.`,
        offer_declined: `Offer from ${item.providerName} declined by ${by}.`,
        second_approval_refused: `Second approval refused by ${by} for ${item.providerName}.`,
      }[item.outcome];
      return [line(text)];
    }
    case "answer_sent":
      return [line(`💬 ${nameOf(item.answeredBy, names)} answered ${item.providerName}: ${item.answer}`)];
    case "withdrawn":
      return [line(`Referral withdrawn: ${item.reason}`)];
    case "note":
      return [line(item.text)];
  }
}

/** Items grouped so that each group makes one card well under Teams' message size limit. */
export function groupThreadItems(items: ThreadItem[], names: Names): ThreadItem[][] {
  const groups: ThreadItem[][] = [];
  let current: ThreadItem[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = teamsSize(itemContainer(item, names, true));
    if (current.length && size + bytes > LIMITS.messageBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length) groups.push(current);
  return groups;
}

const itemContainer = (item: ThreadItem, names: Names, separator: boolean): Element => ({
  type: "Container",
  separator,
  spacing: "Medium",
  items: itemElements(item, names),
});

/** Items as cards, as many per card as fit well under Teams' message size limit. */
export function threadCards(items: ThreadItem[], names: Names): Element[] {
  return groupThreadItems(items, names).map((group) =>
    adaptiveCard(group.map((item, i) => itemContainer(item, names, i > 0))),
  );
}

export function summaryText(items: ThreadItem[]): string {
  return items
    .map((i) => i.kind.replace(/_/g, " "))
    .join(", ")
    .slice(0, 300);
}
