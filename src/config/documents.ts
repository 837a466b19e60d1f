// Documents on request (care plans, risk assessments, EHCPs): how big one may be and how long a provider's
// download stays open. Read as part of src/config.ts's one schema.
import { intFrom } from "./fields.js";

export const documentSettings = {
  // Largest document ART can upload, in bytes (10 MiB: a scanned care plan; the encrypted copy is about 4/3 of it).
  DOCUMENT_MAX_BYTES: intFrom(10 * 1024 * 1024, 1024),
  // Days a released document can be downloaded from the provider's response link.
  DOCUMENT_LINK_DAYS: intFrom(14, 1),
};
