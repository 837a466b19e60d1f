// The page behind "Add a document": choose the kind and the file; a small script of the page's own sends the
// bytes as they are (no multipart parsing on the server) with the kind in a header, and says what happened.
import { DOCUMENT_KINDS, DOCUMENT_LABELS } from "../../domain/vocabulary.js";
import { escapeHtml, layout } from "./layout.js";

export function uploadPage(m: { nonce: string; expired: boolean; maxBytes: number }): string {
  if (m.expired) {
    return layout({
      title: "Upload link expired",
      nonce: m.nonce,
      body: `<h1>This upload link has expired</h1>
<p>Upload links work for one person for a short time. Click "Add a document" in the referral's thread again for a new one.</p>`,
    });
  }
  const options = DOCUMENT_KINDS.map((k) => `<option value="${k}">${escapeHtml(DOCUMENT_LABELS[k])}</option>`).join("");
  const mb = Math.floor(m.maxBytes / 1024 / 1024);
  const body = `<h1>Add a document</h1>
<p>It is stored encrypted and reaches a provider only when you release it to them from the thread.</p>
<form id="upload">
<div class="field"><label for="kind">Document</label><select id="kind" name="kind">${options}</select></div>
<div class="field"><label for="file">File (PDF, Word, PNG, JPEG or text; up to ${mb} MB)</label>
<input type="file" id="file" name="file" accept=".pdf,.docx,.png,.jpg,.jpeg,.txt" required></div>
<button type="submit" class="button">Upload</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<script nonce="${escapeHtml(m.nonce)}">
document.getElementById("upload").addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = document.getElementById("status");
  const file = document.getElementById("file").files[0];
  if (!file) { status.textContent = "Choose a file first."; return; }
  status.textContent = "Uploading...";
  const res = await fetch(location.pathname, { method: "POST", body: file, headers: {
    "Content-Type": file.type || "application/octet-stream",
    "X-Document-Kind": document.getElementById("kind").value,
    "X-Requested-With": "referral-bot" } });
  const answer = await res.json().catch(() => ({}));
  status.textContent = res.ok
    ? "Uploaded to " + answer.reference + ". Release it to a provider from the thread."
    : "Not uploaded: " + ((answer.error && answer.error.message) || res.status);
});
</script>`;
  return layout({ title: "Add a document", nonce: m.nonce, body });
}
