// Email subject and bodies for one outbound delivery. The subject is visible in inboxes, notifications and
// mail logs, so it carries only the reference and lot; the anonymised profile goes in the body.
import type { OutboundDelivery, OutboundKind } from "../../src/ports.js";
import { profileRows } from "../../src/responses/profile.js";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_PREFIX: Record<OutboundKind, string> = {
  referral: "",
  reminder: "Reminder: ",
  outcome_approved: "Outcome: ",
  outcome_not_taken_up: "Outcome: ",
  answer: "Answer to your question: ",
  documents_released: "Documents ready: ",
  clarification: "Clarification: ",
  referral_closed: "Closed: ",
};

const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, " ").trim();

export function subjectFor(m: OutboundDelivery): string {
  const p = m.profile;
  return `${SUBJECT_PREFIX[m.kind]}Placement referral ${oneLine(p.reference)} - Lot ${p.lotNumber} ${oneLine(p.lotName)}`;
}

const londonTime = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});

/** e.g. "Tuesday, 15 December 2026 at 17:00 GMT": providers read UK time, whatever the server's zone. */
export const formatRespondBy = (d: Date) => londonTime.format(d);

/** Paragraphs before the profile, by kind; `respond` says whether the Respond link and deadline apply. */
function intro(m: OutboundDelivery): { paragraphs: string[]; respond: boolean } {
  const lot = `Lot ${m.profile.lotNumber} ${m.profile.lotName}`;
  switch (m.kind) {
    case "referral":
      return { paragraphs: [`A new placement referral (${lot}, round ${m.round.number}).`], respond: true };
    case "reminder":
      return { paragraphs: ["We have not yet had your response to this placement referral."], respond: true };
    case "outcome_approved":
      return {
        paragraphs: ["Your offer for this referral has been accepted. The Access to Resources Team will contact you."],
        respond: false,
      };
    case "outcome_not_taken_up":
      return {
        paragraphs: ["Thank you for your offer. This referral has been placed elsewhere; no action is needed."],
        respond: false,
      };
    case "answer":
      return { paragraphs: ["The Access to Resources Team answered your question:", m.text ?? ""], respond: true };
    case "documents_released":
      return {
        paragraphs: ["The documents you asked for are ready to download from your response link:", m.text ?? ""],
        respond: true,
      };
    case "clarification":
      return {
        paragraphs: [
          "A provider asked a question about this referral. The Access to Resources Team shares the question and its answer with every provider on the round:",
          `Question: ${m.question ?? ""}`,
          `Answer: ${m.text ?? ""}`,
        ],
        respond: true,
      };
    case "referral_closed":
      return {
        paragraphs: [
          "This referral has closed and is no longer available. Please stop any work on it; no action is needed.",
          "Thank you for considering it.",
        ],
        respond: false,
      };
  }
}

// Every email carries it, so a provider can keep its vacancies current from whatever message it last had.
const VACANCY_LINE = "Update the vacancies you can offer";

const REPLY_LINE = "You can also reply to this email to ask a question or to decline.";

export function renderText(m: OutboundDelivery): string {
  const { paragraphs, respond } = intro(m);
  const lines = [...paragraphs, ""];
  for (const [label, value] of profileRows(m.profile)) lines.push(`${label}: ${value}`);
  if (respond) {
    lines.push(
      "",
      `Please respond by ${formatRespondBy(m.round.respondBy)}.`,
      `Respond: ${m.responseUrl}`,
      "",
      REPLY_LINE,
    );
  }
  if (m.vacancyUrl) lines.push("", `${VACANCY_LINE}: ${m.vacancyUrl}`);
  return `${lines.join("\n")}\n`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export function renderHtml(m: OutboundDelivery): string {
  const { paragraphs, respond } = intro(m);
  const rows = profileRows(m.profile)
    .map(
      ([l, v]) =>
        `<tr><th align="left">${escapeHtml(l)}</th><td style="white-space:pre-wrap">${escapeHtml(v)}</td></tr>`,
    )
    .join("");
  const parts = [
    ...paragraphs.map((p) => `<p style="white-space:pre-wrap">${escapeHtml(p)}</p>`),
    `<table>${rows}</table>`,
  ];
  if (respond) {
    parts.push(
      `<p>Please respond by <strong>${escapeHtml(formatRespondBy(m.round.respondBy))}</strong>.</p>`,
      `<p><a href="${escapeHtml(m.responseUrl)}" style="font-weight:bold">Respond</a></p>`,
      `<p>${escapeHtml(REPLY_LINE)}</p>`,
    );
  }
  if (m.vacancyUrl) parts.push(`<p><a href="${escapeHtml(m.vacancyUrl)}">${escapeHtml(VACANCY_LINE)}</a></p>`);
  return `<!doctype html><html><body>${parts.join("")}</body></html>`;
}

export function renderEmail(m: OutboundDelivery): RenderedEmail {
  return { subject: subjectFor(m), text: renderText(m), html: renderHtml(m) };
}
