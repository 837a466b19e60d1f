// The broadcast summary is the one free-text field that reaches every provider on the lot, so it must not carry
// what identifies the child. Errors: the child's own identifiers as entered in the restricted fields (name, date of
// birth, the address's postcode, case id). Warnings: things that look like contact details or an NHS number, which
// may be legitimate (a provider's own duty line) but usually are not. Messages never echo the matched text: field
// errors travel back through chat platforms and HTTP responses.

export interface ChildIdentifiers {
  childName: string;
  dateOfBirth: Date;
  caseSystemId?: string | undefined;
  address?: string | undefined;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A whole word (letters and digits around it do not count as a match), case-insensitive, any script. */
const wordRe = (pattern: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${pattern})(?![\\p{L}\\p{N}])`, "iu");

/** Parts of the name worth matching: single letters (initials) would refuse too much ordinary text. */
export function nameParts(childName: string): string[] {
  return childName
    .split(/[\s,]+/)
    .flatMap((w) => [w, ...(w.includes("-") ? w.split("-") : [])])
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""))
    .filter((w) => w.length >= 2);
}

/** The ways people write a date of birth: 2014-03-05, 05/03/2014, 5/3/2014, 5.3.14, 5 March 2014, March 5th 2014. */
export function dateOfBirthPatterns(dob: Date): RegExp[] {
  const y = dob.getUTCFullYear();
  const m = dob.getUTCMonth() + 1;
  const d = dob.getUTCDate();
  const z = (n: number) => `0?${n}`;
  const yy = String(y).slice(2);
  const month = MONTHS[m - 1]!;
  const monthName = `${month}|${month.slice(0, 3)}\\.?${month === "september" ? "|sept\\.?" : ""}`;
  const day = `${z(d)}(?:st|nd|rd|th)?`;
  return [
    wordRe(`${y}[-/.]${z(m)}[-/.]${z(d)}`),
    wordRe(`${z(d)}\\s*[-/.]\\s*${z(m)}\\s*[-/.]\\s*(?:${y}|${yy})`),
    wordRe(`${day}(?:\\s+of)?\\s+(?:${monthName}),?\\s+${y}`),
    wordRe(`(?:${monthName})\\s+${day},?\\s+${y}`),
  ];
}

const POSTCODE = /(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})(?![A-Z0-9])/gi;

/** Full UK postcodes in a text, normalised to "PE1 2AB". */
export function postcodesIn(text: string): string[] {
  return [...text.matchAll(POSTCODE)].map((m) => `${m[1]!.toUpperCase()} ${m[2]!.toUpperCase()}`);
}

/** Why the summary may not be broadcast as written (empty when it may). */
export function summaryErrors(summary: string, child: ChildIdentifiers): string[] {
  const errors: string[] = [];
  if (nameParts(child.childName).some((part) => wordRe(escapeRe(part)).test(summary)))
    errors.push("must not contain the child's name: providers see the summary, so describe the child instead");
  if (!Number.isNaN(child.dateOfBirth.getTime()) && dateOfBirthPatterns(child.dateOfBirth).some((p) => p.test(summary)))
    errors.push("must not contain the child's date of birth: the age is already sent");
  const own = new Set(postcodesIn(child.address ?? ""));
  if (postcodesIn(summary).some((p) => own.has(p)))
    errors.push("must not contain the child's postcode: the area is already sent");
  const caseId = child.caseSystemId?.trim();
  if (caseId && caseId.length >= 3 && wordRe(escapeRe(caseId)).test(summary))
    errors.push("must not contain the case system id");
  return errors;
}

/** NHS numbers: 10 digits whose last is the modulus 11 check digit of the first nine. */
export function isNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  const sum = [...digits.slice(0, 9)].reduce((s, c, i) => s + Number(c) * (10 - i), 0);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

const TEN_DIGITS = /(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)/g;
const PHONE = /(?<![\d+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){8,9}(?!\d)/;
const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;

/** Things worth a second look before the summary goes to every provider; the referral is raised all the same. */
export function summaryWarnings(summary: string): string[] {
  const warnings: string[] = [];
  if (PHONE.test(summary)) warnings.push("The summary seems to contain a phone number.");
  if (EMAIL.test(summary)) warnings.push("The summary seems to contain an email address.");
  if ([...summary.matchAll(TEN_DIGITS)].some((m) => isNhsNumber(m[0].replace(/\D/g, ""))))
    warnings.push("The summary seems to contain an NHS number.");
  if (postcodesIn(summary).length) warnings.push("The summary seems to contain a full postcode.");
  return warnings;
}
