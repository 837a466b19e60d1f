// What a document's bytes may be, and how they are sealed. Only formats a council's case system exports are
// accepted, and the first bytes must agree with the declared type: a download is served as that type, so a file
// that claims to be a PDF but is HTML never reaches a provider's browser as one.
import type { Config } from "../config.js";
import { decryptJson, encryptJson, type KeyRing } from "../domain/crypto.js";
import { ValidationError } from "../errors.js";

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const ALLOWED: Record<string, { extension: string; magic?: number[] }> = {
  "application/pdf": { extension: "pdf", magic: [0x25, 0x50, 0x44, 0x46] },
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": { extension: "docx", magic: ZIP },
  "image/png": { extension: "png", magic: [0x89, 0x50, 0x4e, 0x47] },
  "image/jpeg": { extension: "jpg", magic: [0xff, 0xd8, 0xff] },
  "text/plain": { extension: "txt" },
};
export const DOCUMENT_CONTENT_TYPES = Object.keys(ALLOWED);

export const extensionOf = (contentType: string) => ALLOWED[contentType]?.extension ?? "bin";

/** The declared type, normalised, once the bytes are checked against it. */
export function checkContent(
  config: Pick<Config, "DOCUMENT_MAX_BYTES">,
  declaredType: string | undefined,
  bytes: Buffer,
): string {
  const type = (declaredType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const rule = ALLOWED[type];
  if (!rule) {
    throw new ValidationError("This kind of file cannot be uploaded", {
      contentType: [`must be one of ${DOCUMENT_CONTENT_TYPES.join(", ")}`],
    });
  }
  if (bytes.length === 0) throw new ValidationError("The document is empty", { file: ["is empty"] });
  if (bytes.length > config.DOCUMENT_MAX_BYTES) {
    throw new ValidationError("The document is too large", {
      file: [`must be at most ${Math.floor(config.DOCUMENT_MAX_BYTES / 1024 / 1024)} MiB`],
    });
  }
  if (rule.magic && !rule.magic.every((b, i) => bytes[i] === b)) {
    throw new ValidationError("The file is not what its type says", { file: [`is not a ${rule.extension} file`] });
  }
  if (type === "text/plain" && bytes.includes(0)) {
    throw new ValidationError("The file is not what its type says", { file: ["is not a text file"] });
  }
  return type;
}

/** Bound to the document's row: an envelope copied onto another document will not decrypt. */
export const documentAad = (documentId: string) => `document:${documentId}`;

export const sealDocument = (ring: KeyRing, documentId: string, bytes: Buffer) =>
  encryptJson(ring, bytes.toString("base64"), documentAad(documentId));

export function openDocument(ring: KeyRing, documentId: string, envelope: string): Buffer {
  const b64 = decryptJson(ring, envelope, documentAad(documentId));
  if (typeof b64 !== "string") throw new ValidationError("stored document is malformed");
  return Buffer.from(b64, "base64");
}
