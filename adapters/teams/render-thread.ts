// The referral card and its timeline as Adaptive Cards. Only the anonymised profile is ever rendered here;
// restricted details are shown only to one ART member, in answer to their own click (render-forms.ts).
import {
  costText,
  countsText,
  documentsStatus,
  OFFER_OUTCOME_TEXT,
  roundOpenedText,
  roundWidenedText,
  startDateText,
} from "../../src/chat/card-text.js";
import type { ReferralCard, ThreadItem, ThreadRef } from "../../src/chat/port.js";
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
    ...(card.placement ? [fact("Placed with", `${card.placement.providerName} at ${costText(card.placement)}`)] : []),
    line(countsText(card)),
    actions(
      execute("View details (ART)", "view_details", { referralId: card.referralId }),
      ...(card.counts.offers > 0
        ? [execute("Compare offers (ART)", "compare_offers", { referralId: card.referralId, sort: "cost" })]
        : []),
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

export const publishInputId = (responseId: string) => `publish.${responseId}`;

/** `publishDefault`: whether "publish to all" starts on under a question (ANSWERS_PUBLISHED_TO_ALL_DEFAULT). */
export function itemElements(item: ThreadItem, names: Names, publishDefault = false): Element[] {
  switch (item.kind) {
    case "round_opened":
      return [line(`📤 ${roundOpenedText(item)}`)];
    case "round_widened":
      return [line(`➕ ${roundWidenedText(item)}`)];
    case "offer": {
      const offer = `the offer from ${item.providerName} at ${money(item.weeklyCostGbp)}/week`;
      return [
        line(
          ...(item.outcome ? [{ text: `${OFFER_OUTCOME_TEXT[item.outcome]} `, bold: true }] : []),
          "🏠 ",
          { text: `Offer from ${item.providerName}`, bold: true },
          item.ofstedGrade ? ` (Ofsted: ${item.ofstedGrade})` : "",
        ),
        line({ text: costText(item), bold: true }, `, from ${startDateText(item.startDate)}`),
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
        {
          type: "Input.Toggle",
          id: publishInputId(item.responseId),
          title: "ART: also send the question and answer to every provider on the round (who asked is not named)",
          valueOn: "true",
          valueOff: "false",
          value: publishDefault ? "true" : "false",
          wrap: true,
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
          `✋ ${nameOf(item.firstApproverId, names)} approved ${item.providerName} at ${costText(item)}. A second, senior approver is needed.`,
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
        placed: `✅ Placed with ${item.providerName} at ${costText(item)}, approved by ${by}.`,
        offer_declined: `Offer from ${item.providerName} declined by ${by}.`,
        second_approval_refused: `Second approval refused by ${by} for ${item.providerName}.`,
      }[item.outcome];
      return [line(text)];
    }
    case "answer_sent":
      return [line(`💬 ${nameOf(item.answeredBy, names)} answered ${item.providerName}: ${item.answer}`)];
    case "documents_requested":
      return [
        line(
          "📄 ",
          { text: `${item.providerName} asks for documents: `, bold: true },
          `${item.documents}. ${documentsStatus(item)}`,
        ),
        ...(item.actionable
          ? [
              actions(
                execute(
                  item.released ? "Release again" : "Release to this provider",
                  "release_documents",
                  { requestId: item.requestId },
                  item.released ? undefined : "positive",
                  // A screen reader's name must contain the visible words (WCAG 2.5.3), then says to whom.
                  `${item.released ? "Release again" : "Release to this provider"}: ${item.providerName}`,
                ),
                execute("Add a document", "document_upload_link", { referralId: item.referralId }),
              ),
            ]
          : []),
      ];
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

const itemContainer = (item: ThreadItem, names: Names, separator: boolean, publishDefault = false): Element => ({
  type: "Container",
  separator,
  spacing: "Medium",
  items: itemElements(item, names, publishDefault),
});

/** Whether an item carries buttons that only ART may use (in the channel these are left to the per-user refresh). */
export const hasApprovalButtons = (i: ThreadItem) =>
  (i.kind === "offer" || i.kind === "second_approval_needed") && i.actionable;

/** The item as everyone sees it in the channel: status only, no approval buttons. */
export const statusOnly = (i: ThreadItem): ThreadItem =>
  (i.kind === "offer" || i.kind === "second_approval_needed") && i.actionable ? { ...i, actionable: false } : i;

/** Who gets the per-user card (Universal Actions refresh): ART members' conversation ids ("29:..."), at most 60. */
export interface PerUserView {
  userIds: string[];
  thread: ThreadRef;
}

export const REFRESH_VERB = "refreshCard";

/** The refresh clause: Teams asks the bot for each listed user's own card (with the buttons, for ART). */
export function refreshClause(view: PerUserView, keys: string[]): Element {
  const data = {
    verb: REFRESH_VERB,
    channelId: view.thread.channelId,
    threadId: view.thread.threadId,
    keys: keys.join(","),
    userIds: view.userIds.join(","),
  };
  return { action: { type: "Action.Execute", verb: REFRESH_VERB, data }, userIds: view.userIds };
}

/**
 * One thread card. With a per-user view, a card whose items have approval buttons is posted without them (that is
 * what the channel shows everyone) and refreshed per user: ART members get the buttons back (teams-app.ts).
 */
export function groupCard(
  group: ThreadItem[],
  names: Names,
  opts: { perUser?: PerUserView; forArt?: boolean; publishDefault?: boolean } = {},
): Element {
  const perUser = opts.perUser;
  const personal = Boolean(perUser?.userIds.length) && group.some(hasApprovalButtons);
  const shown = personal && !opts.forArt ? group.map(statusOnly) : group;
  return adaptiveCard(
    shown.map((item, i) => itemContainer(item, names, i > 0, opts.publishDefault)),
    personal
      ? {
          refresh: refreshClause(
            perUser!,
            group.map((i) => i.key),
          ),
        }
      : {},
  );
}

/** Items as cards, as many per card as fit well under Teams' message size limit. */
export function threadCards(
  items: ThreadItem[],
  names: Names,
  opts: { perUser?: PerUserView; publishDefault?: boolean } = {},
): Element[] {
  return groupThreadItems(items, names).map((group) => groupCard(group, names, opts));
}

export function summaryText(items: ThreadItem[]): string {
  return items
    .map((i) => i.kind.replace(/_/g, " "))
    .join(", ")
    .slice(0, 300);
}
