// One child, one live referral. A second referral for the same child while one is live is usually a mistake (or
// a sibling search that should be linked). Matching uses keyed hashes (HMAC-SHA256 with DUPLICATE_MATCH_KEY) of
// the case id and of the normalised name + date of birth, stored beside the encrypted details: never the values,
// and useless without the key (a plain hash of a name and a birthday is guessed in seconds).
import { createHmac } from "node:crypto";
import type { Tx } from "../db.js";
import type { RestrictedDetails } from "../domain/referral-input.js";
import { TERMINAL_STATES } from "../lifecycle/referral-state.js";

export interface MatchHashes {
  caseIdHash: string | null;
  nameDobHash: string | null;
}

export type MatchedOn = "case_id" | "name_and_date_of_birth";

/**
 * A name as a person may type it either way: accents, case, punctuation and spacing dropped, and the words sorted,
 * so "Smith, Jo-Anne" and "jo anne smith" match. Different names for the same child (a nickname) do not: the case
 * id is the strong match, this one is the safety net.
 */
export function normaliseName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter(Boolean)
    .sort()
    .join(" ");
}

/** Case ids are compared without case, spaces or separators ("LCS-0012 34" is "lcs001234"). */
export const normaliseCaseId = (id: string) =>
  id
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");

const hmac = (key: string, purpose: string, value: string) =>
  createHmac("sha256", key).update(`${purpose}\u0000${value}`).digest("base64url");

export function matchHashes(key: string, r: Pick<RestrictedDetails, "childName" | "dateOfBirth" | "caseSystemId">) {
  const caseId = r.caseSystemId ? normaliseCaseId(r.caseSystemId) : "";
  const name = normaliseName(r.childName);
  const dob = r.dateOfBirth.toISOString().slice(0, 10);
  return {
    caseIdHash: caseId ? hmac(key, "case-id", caseId) : null,
    nameDobHash: name ? hmac(key, "name-dob", `${name}\u0000${dob}`) : null,
  } satisfies MatchHashes;
}

/** The live referral (not placed, withdrawn or expired, not erased) this child already has, if any. */
export async function findLiveMatch(
  tx: Tx,
  hashes: MatchHashes,
): Promise<{ id: string; reference: string; matchedOn: MatchedOn[] } | undefined> {
  const or = [
    ...(hashes.caseIdHash ? [{ caseIdHash: hashes.caseIdHash }] : []),
    ...(hashes.nameDobHash ? [{ nameDobHash: hashes.nameDobHash }] : []),
  ];
  if (or.length === 0) return undefined;
  const found = await tx.referral.findFirst({
    where: { OR: or, status: { notIn: [...TERMINAL_STATES] }, erasedAt: null },
    orderBy: { createdAt: "asc" },
    select: { id: true, reference: true, caseIdHash: true, nameDobHash: true },
  });
  if (!found) return undefined;
  const matchedOn: MatchedOn[] = [];
  if (hashes.caseIdHash && found.caseIdHash === hashes.caseIdHash) matchedOn.push("case_id");
  if (hashes.nameDobHash && found.nameDobHash === hashes.nameDobHash) matchedOn.push("name_and_date_of_birth");
  return { id: found.id, reference: found.reference, matchedOn };
}
