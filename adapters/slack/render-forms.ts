// The modals: the referral form (block ids are the core's field paths, so field errors map straight back),
// the ART-only restricted-details view, the answer to a provider's question, and the withdrawal.

import { DUPLICATE_FIELDS, type DuplicateAnswers } from "../../src/chat/port.js";
import { PDS_FORM_FIELDS, PDS_FORM_SECTIONS, type PdsFormField, pdsInputOf } from "../../src/domain/pds-form.js";
import { GENDERS, LEGAL_STATUSES, type NewReferral, type RestrictedDetails } from "../../src/domain/referral-input.js";
import { LOT_OPTIONS, NEED_OPTIONS } from "../../src/domain/vocabulary.js";
import { WITHDRAWAL_REASONS, WITHDRAWAL_TEXT_MAX } from "../../src/lifecycle/withdrawal.js";
import { cut } from "./escape.js";

type Block = Record<string, unknown>;
const A = "v"; // every input's action_id: the block id says which field it is
const plain = (text: string) => ({ type: "plain_text", text });
const option = (value: string, text = value) => ({ text: plain(text), value });
const input = (blockId: string, label: string, element: Block, optional = false): Block => ({
  type: "input",
  block_id: blockId,
  label: plain(label),
  optional,
  element: { ...element, action_id: A },
});
const text = (multiline = false, max = 1000) => ({ type: "plain_text_input", multiline, max_length: max });
const select = (values: readonly string[] | [string, string][]) => ({
  type: "static_select",
  options: values.map((v) => (Array.isArray(v) ? option(v[0], v[1]) : option(v))),
});

/** The first step: the core fields. `draft`: the answers kept when the person last closed the form. */
export function referralModal(kept: ViewState = {}): Block {
  // A reason to raise a duplicate is for the child on this form only: never carried into a later form.
  const { [DUPLICATE_FIELDS.reason]: _reason, [DUPLICATE_FIELDS.siblingOf]: _sibling, ...draft } = kept;
  const answered = PDS_FORM_FIELDS.filter((f) => answerIn(draft, f.id) !== undefined).length;
  return {
    type: "modal",
    callback_id: "referral_form",
    title: plain("New referral"),
    submit: plain("Raise referral"),
    close: plain("Cancel"),
    // Closing it keeps the answers (view_closed), for the next time they open the form.
    notify_on_close: true,
    blocks: withInitialValues(draft, [
      { type: "section", text: { type: "mrkdwn", text: "*Anonymised profile*: this is what providers see." } },
      input("profile.lotNumber", "Lot", select(LOT_OPTIONS.map((o) => [o.value, o.label] as [string, string]))),
      input("profile.ageYears", "Age (years)", {
        type: "number_input",
        is_decimal_allowed: false,
        min_value: "0",
        max_value: "25",
      }),
      input("profile.gender", "Gender", select(GENDERS)),
      input(
        "profile.needCodes",
        "Needs (SEN primary need codes)",
        { type: "multi_static_select", options: NEED_OPTIONS.map((o) => option(o.value, o.label)) },
        true,
      ),
      input(
        "profile.ehcp",
        "EHCP",
        select([
          ["yes", "Yes"],
          ["no", "No"],
        ]),
      ),
      input("profile.legalStatus", "Legal status", select(LEGAL_STATUSES)),
      input("profile.area", "Area (postcode district, e.g. PE1)", text(false, 40)),
      input(
        "profile.urgency",
        "Urgency",
        select([
          ["emergency", "Emergency (same day)"],
          ["standard", "Standard"],
        ]),
      ),
      input("profile.requiredBy", "Required by", { type: "datepicker" }),
      input("profile.summary", "Summary (no names, no identifying details)", text(true, 1000)),
      { type: "header", text: plain("Restricted details (ART only, encrypted)") },
      input("restricted.childName", "Child's name", text(false, 200)),
      input("restricted.dateOfBirth", "Date of birth", { type: "datepicker" }),
      input("restricted.caseSystemId", "Case system id", text(false, 100), true),
      input("restricted.address", "Address", text(true, 500), true),
      input("restricted.narrative", "Narrative", text(true, 3000), true),
      input("restricted.risks", "Risks", text(true, 3000), true),
      // Always here and optional: the core asks for a reason (a field error on it) only when this child already
      // has a live referral, so the person answers on the same form without losing anything.
      input(
        DUPLICATE_FIELDS.reason,
        "Reason to raise another referral for this child (only if asked)",
        text(true, 1000),
        true,
      ),
      input(
        DUPLICATE_FIELDS.siblingOf,
        "Sibling's referral, to link them as a sibling group (e.g. R-2026-0041)",
        text(false, 20),
        true,
      ),
      { type: "divider" },
      {
        type: "section",
        block_id: "pds.more",
        text: {
          type: "mrkdwn",
          text: answered
            ? `*More details (Placements Data Standard)*: ${answered} answered.`
            : "*More details (Placements Data Standard)*: placement requirements, suitability and risks. Optional, but providers judge better with them.",
        },
        accessory: { type: "button", action_id: "referral_more", text: plain("Next: more details") },
      },
    ]),
  };
}

/** The second step, pushed over the first: the standard's questions; its answers join the first step's. */
export function moreDetailsModal(draft: ViewState = {}): Block {
  return {
    type: "modal",
    callback_id: "referral_form_more",
    title: plain("More details"),
    submit: plain("Save and go back"),
    close: plain("Back"),
    blocks: withInitialValues(
      draft,
      PDS_FORM_SECTIONS.flatMap((section) => [
        { type: "header", text: plain(section.title) },
        ...(section.note ? [{ type: "context", elements: [{ type: "mrkdwn", text: section.note }] }] : []),
        ...section.fields.map(pdsInput),
      ]),
    ),
  };
}

function pdsInput(f: PdsFormField): Block {
  switch (f.kind) {
    case "number":
      return input(
        f.id,
        f.label,
        { type: "number_input", is_decimal_allowed: false, min_value: String(f.min), max_value: String(f.max) },
        true,
      );
    case "text":
      return input(f.id, f.label, text(true, f.maxLength), true);
    case "select":
      return input(
        f.id,
        f.label,
        { type: "static_select", options: f.options.map((o) => option(o.value, o.label)) },
        true,
      );
    case "multi":
      return input(
        f.id,
        f.label,
        { type: "multi_static_select", options: f.options.map((o) => option(o.value, o.label)) },
        true,
      );
  }
}

/** An answer in a view's state: a string, a list (multi-select), or undefined when not answered. */
function answerIn(values: ViewState, id: string): string | string[] | undefined {
  const v = values[id]?.[A];
  if (!v) return undefined;
  if (v.selected_options) return v.selected_options.length ? v.selected_options.map((o) => o.value) : undefined;
  return v.value ?? v.selected_option?.value ?? v.selected_date ?? undefined;
}

/** Puts kept answers back into a view's inputs (Slack's initial_* fields). */
function withInitialValues(draft: ViewState, blocks: Block[]): Block[] {
  return blocks.map((b) => {
    if (b.type !== "input") return b;
    const el = b.element as Block & { type: string; options?: { value: string }[] };
    const v = draft[b.block_id as string]?.[A];
    if (!v) return b;
    const pick = (value: string) => el.options?.find((o) => o.value === value);
    let initial: Block = {};
    if (el.type === "multi_static_select") {
      const chosen = (v.selected_options ?? []).map((o) => pick(o.value)).filter(Boolean);
      if (chosen.length) initial = { initial_options: chosen };
    } else if (el.type === "static_select") {
      const chosen = v.selected_option ? pick(v.selected_option.value) : undefined;
      if (chosen) initial = { initial_option: chosen };
    } else if (el.type === "datepicker") {
      if (v.selected_date) initial = { initial_date: v.selected_date };
    } else if (v.value) initial = { initial_value: v.value };
    return { ...b, element: { ...el, ...initial } };
  });
}

type StateValue = {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
  selected_date?: string | null;
};
export type ViewState = Record<string, Record<string, StateValue>>;

/** The submitted modal as the core's NewReferral shape (the core validates it). */
export function modalValuesToInput(values: ViewState): NewReferral {
  const get = (id: string) => values[id]?.[A];
  const str = (id: string) => {
    const v = get(id);
    return v?.value ?? v?.selected_option?.value ?? v?.selected_date ?? undefined;
  };
  const opt = (id: string) => str(id) || undefined;
  const more = pdsInputOf((id) => answerIn(values, id));
  return {
    profile: {
      lotNumber: Number(str("profile.lotNumber")),
      ageYears: Number(str("profile.ageYears")),
      gender: str("profile.gender") as NewReferral["profile"]["gender"],
      needCodes: (get("profile.needCodes")?.selected_options ?? []).map(
        (o) => o.value,
      ) as NewReferral["profile"]["needCodes"],
      ehcp: str("profile.ehcp") === "yes",
      legalStatus: str("profile.legalStatus") as NewReferral["profile"]["legalStatus"],
      area: str("profile.area") ?? "",
      urgency: str("profile.urgency") as NewReferral["profile"]["urgency"],
      requiredBy: str("profile.requiredBy") as unknown as Date,
      summary: str("profile.summary") ?? "",
      pds: more.pds as NewReferral["profile"]["pds"],
    },
    restricted: {
      childName: str("restricted.childName") ?? "",
      dateOfBirth: str("restricted.dateOfBirth") as unknown as Date,
      caseSystemId: opt("restricted.caseSystemId"),
      address: opt("restricted.address"),
      narrative: opt("restricted.narrative"),
      risks: opt("restricted.risks"),
      ...more.restricted,
    },
  };
}

/** The form's answers beside the referral: a reason to raise a duplicate, a sibling's reference. */
export function duplicateAnswersOf(values: ViewState): DuplicateAnswers {
  const reason = values[DUPLICATE_FIELDS.reason]?.[A]?.value;
  const siblingOf = values[DUPLICATE_FIELDS.siblingOf]?.[A]?.value;
  return { ...(reason ? { reason } : {}), ...(siblingOf ? { siblingOf } : {}) };
}

/** Field errors keyed by block id, first message each, as Slack's response_action "errors" wants. */
export function modalErrors(fieldErrors: Record<string, string[]>): Record<string, string> {
  const blockIds = new Set((referralModal().blocks as { block_id?: string }[]).map((b) => b.block_id).filter(Boolean));
  const out: Record<string, string> = {};
  for (const [path, messages] of Object.entries(fieldErrors)) {
    const blockId = blockIds.has(path) ? path : "profile.summary";
    out[blockId] ??= cut(`${blockId === path ? "" : `${path}: `}${messages[0] ?? "is not valid"}`, 150);
  }
  return out;
}

export function detailsModal(reference: string, d: RestrictedDetails): Block {
  const row = (label: string, value: string | undefined) => ({
    type: "section",
    text: { type: "plain_text", text: cut(`${label}: ${value || "-"}`, 3000) },
  });
  return {
    type: "modal",
    title: plain(cut(`Details ${reference}`, 24)),
    close: plain("Close"),
    blocks: [
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "Restricted: do not copy into the channel. This view has been recorded." }],
      },
      row("Name", d.childName),
      row("Date of birth", d.dateOfBirth.toISOString().slice(0, 10)),
      row("Case system id", d.caseSystemId),
      row("Address", d.address),
      row("Narrative", d.narrative),
      row("Risks", d.risks),
    ],
  };
}

/** A modal that only says something (e.g. why the form cannot be opened). */
export function noticeModal(title: string, text: string): Block {
  return {
    type: "modal",
    callback_id: "notice",
    title: plain(cut(title, 24)),
    close: plain("Close"),
    blocks: [{ type: "section", block_id: "notice", text: { type: "plain_text", text: cut(text, 3000) } }],
  };
}

const PUBLISH = "publish_to_all";

/** `publishDefault`: whether "share with every provider" starts ticked (ANSWERS_PUBLISHED_TO_ALL_DEFAULT). */
export function answerModal(responseId: string, publishDefault = false): Block {
  const share = option(PUBLISH, "Send to every provider on the round too (asker not named)");
  return {
    type: "modal",
    callback_id: "answer_question_form",
    private_metadata: responseId,
    title: plain("Answer the provider"),
    submit: plain("Send answer"),
    blocks: [
      input("answer", "Your answer (goes to the provider; no names or identifying details)", text(true, 3000)),
      input(
        "publish",
        "Publish to all (ART only)",
        { type: "checkboxes", options: [share], ...(publishDefault ? { initial_options: [share] } : {}) },
        true,
      ),
    ],
  };
}

export const answerOf = (values: ViewState) => values.answer?.[A]?.value ?? "";
/** Whether the box was ticked; a modal without the box (an older one still open) means "as the setting says". */
export const publishOf = (values: ViewState): boolean | undefined => {
  const box = values.publish?.[A] as { selected_options?: { value: string }[] } | undefined;
  return box ? (box.selected_options ?? []).some((o) => o.value === PUBLISH) : undefined;
};

/** Withdrawing a referral: the reason from the core's fixed list, and a few words (needed for "Other"). */
export function withdrawModal(referralId: string, reference: string): Block {
  return {
    type: "modal",
    callback_id: "withdraw_form",
    private_metadata: referralId,
    title: plain(cut(`Withdraw ${reference}`, 24)),
    submit: plain("Withdraw"),
    close: plain("Cancel"),
    blocks: [
      {
        type: "section",
        text: plain("Every provider that received the referral will be told it has closed. This cannot be undone."),
      },
      input("withdraw.reason", "Reason", select(WITHDRAWAL_REASONS.map((r) => [r.code, r.label] as [string, string]))),
      input("withdraw.text", "More detail (required for Other; no names)", text(true, WITHDRAWAL_TEXT_MAX), true),
    ],
  };
}

export const withdrawalOf = (values: ViewState) => ({
  reason: values["withdraw.reason"]?.[A]?.selected_option?.value ?? "",
  text: values["withdraw.text"]?.[A]?.value ?? "",
});
