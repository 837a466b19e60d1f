// The pages after (or instead of) the form: the confirmation once a response is stored, and the pages that
// only say something (not found, expired, closed, refused, failed).
import type { ResponseKind } from "../response-form.js";
import { escapeHtml, formatLondonDateTime, layout, reference } from "./layout.js";

/** "your offer for {ref} was received", with the reference as given (text or HTML). */
const RECEIVED_WORDS: Record<ResponseKind, (ref: string) => string> = {
  offer: (ref) => `your offer for ${ref} was received`,
  decline: (ref) => `your decision to decline ${ref} was received`,
  question: (ref) => `your question about ${ref} was received`,
};

export function confirmationPage(m: {
  nonce: string;
  reference: string;
  type: ResponseKind;
  respondBy: Date;
  formPath: string;
}): string {
  const respondBy = escapeHtml(formatLondonDateTime(m.respondBy));
  const next: Record<ResponseKind, string> = {
    offer: `<p>The placement team will look at every offer for this referral. They may contact you to talk about your offer before making a decision.</p>
<p>We will let you know whether your offer has been accepted. You do not need to do anything else.</p>`,
    decline: `<p>Thank you for letting us know. You do not need to do anything else.</p>
<p>If things change before ${respondBy} (UK time), you can still <a href="${escapeHtml(m.formPath)}">make an offer using the same link</a>.</p>`,
    question: `<p>The placement team will reply to your question, usually by email.</p>
<p>You can still <a href="${escapeHtml(m.formPath)}">make an offer or decline using the same link</a> until ${respondBy} (UK time).</p>`,
  };
  const title = `Thank you: ${RECEIVED_WORDS[m.type](m.reference)}`;
  const heading = `Thank you: ${RECEIVED_WORDS[m.type](reference(m.reference))}`;
  const body = `<div class="panel"><h1>${heading}</h1></div>
<h2>What happens next</h2>
${next[m.type]}`;
  return layout({ title, nonce: m.nonce, body });
}

/** A page that only says something (not found, expired, closed, refused, failed). */
export function messagePage(m: {
  nonce: string;
  title: string;
  paragraphs: string[];
  link?: { href: string; text: string };
}) {
  const body = `<h1>${escapeHtml(m.title)}</h1>
${m.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${m.link ? `<p><a href="${escapeHtml(m.link.href)}">${escapeHtml(m.link.text)}</a></p>` : ""}`;
  return layout({ title: m.title, nonce: m.nonce, body });
}
