// The documents part of a provider's response page: what has been released to this provider (each a download
// through this same link) and a small form to ask for documents, CSRF-checked like the main form.
import { DOCUMENT_KINDS, DOCUMENT_LABELS } from "../../domain/vocabulary.js";
import { escapeHtml, formatLondonDateTime } from "./layout.js";

export interface DocumentsModel {
  csrf: string;
  /** The page's own path (/r/<token>): downloads hang below it. */
  formPath: string;
  released: { documentId: string; label: string; sizeBytes: number; expiresAt: Date }[];
  /** Kinds already asked for and not yet released. */
  pending: string[];
}

const size = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

export function documentsHtml(m: DocumentsModel): string {
  const downloads = m.released.length
    ? `<ul class="documents">${m.released
        .map(
          (d) =>
            `<li><a href="${escapeHtml(`${m.formPath}/documents/${d.documentId}`)}" download>${escapeHtml(d.label)}</a> (${escapeHtml(size(d.sizeBytes))}, until ${escapeHtml(formatLondonDateTime(d.expiresAt))})</li>`,
        )
        .join("")}</ul>
<p>Each download is recorded. Keep the documents only as long as you need them to decide.</p>`
    : "";
  const pending = m.pending.length
    ? `<p>You asked for: ${escapeHtml(m.pending.join(", "))}. The placement team will make them available here.</p>`
    : "";
  const boxes = DOCUMENT_KINDS.map(
    (k) =>
      `<div class="checkbox"><input type="checkbox" id="doc-${k}" name="documents" value="${k}"><label for="doc-${k}">${escapeHtml(DOCUMENT_LABELS[k])}</label></div>`,
  ).join("");
  return `<section aria-labelledby="documents-heading">
<h2 id="documents-heading">Documents</h2>
${downloads}${pending}
<form method="post">
<input type="hidden" name="csrf" value="${escapeHtml(m.csrf)}"><input type="hidden" name="type" value="request_documents">
<fieldset><legend>Ask the placement team for documents before you decide</legend>${boxes}</fieldset>
<button type="submit" class="button secondary">Ask for these documents</button>
</form>
</section>`;
}
