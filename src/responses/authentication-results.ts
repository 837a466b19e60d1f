// A small parser for the Authentication-Results header field (RFC 8601), for the results our own mail gateway
// recorded about an inbound reply (DKIM, SPF, DMARC). Parts of the field repeat what the sender wrote (the
// DKIM domain, the envelope address), so the parser is strict where it matters: comments and quoted strings
// are recognised before anything is split, and a result whose properties do not parse is marked incomplete
// (it may still count as a failure, never as a pass).

export interface AuthResult {
  /** Lower case, e.g. "dkim", "spf", "dmarc". */
  method: string;
  /** Lower case, e.g. "pass", "fail", "softfail", "none". */
  result: string;
  /** Properties by lower-case "ptype.property", e.g. "header.d", "smtp.mailfrom"; values unquoted. */
  props: Record<string, string>;
  /** False when something after the method's result could not be read. */
  complete: boolean;
}

export interface AuthResultsField {
  /** As written; compare case-insensitively. */
  authservId: string;
  results: AuthResult[];
}

// RFC 2045 token: no spaces, controls or tspecials.
const TOKEN = String.raw`[^\s\x00-\x1f\x7f()<>@,;:\\"/\[\]?=]+`;
const QUOTED = String.raw`"(?:[^"\\\r\n]|\\[^\r\n])*"`;
const KEYWORD = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const AUTHSERV = new RegExp(`^\\s*(${TOKEN}|${QUOTED})(?:\\s+(\\d+))?\\s*$`);
const METHOD = new RegExp(`^\\s*(${KEYWORD})\\s*(?:/\\s*(\\d+)\\s*)?=\\s*(${KEYWORD})`);
const REASON = new RegExp(`^\\s+reason\\s*=\\s*(${TOKEN}|${QUOTED})`, "i");
// pvalue: a value, or [local-part] "@" domain, where the local part may be a quoted string.
const PROP = new RegExp(`^\\s+(${KEYWORD})\\s*\\.\\s*(${KEYWORD})\\s*=\\s*((?:${QUOTED})?[^\\s";]*)`);

/** The field with its comments blanked out, or undefined when quotes or parentheses do not balance. */
function withoutComments(s: string): string | undefined {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (depth > 0) {
      if (c === "\\") i++;
      else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) out += " ";
    } else if (quoted) {
      out += c;
      if (c === "\\") out += s[++i] ?? "";
      else if (c === '"') quoted = false;
    } else if (c === "(") {
      depth = 1;
    } else if (c === ")") {
      return undefined;
    } else {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return depth === 0 && !quoted ? out : undefined;
}

/** Splits on ";" outside quoted strings (comments are already gone). */
function splitResinfo(s: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ";" && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const unquote = (v: string): string =>
  v.startsWith('"') ? v.replace(/^"((?:[^"\\]|\\.)*)"/, (_, inner: string) => inner.replace(/\\(.)/g, "$1")) : v;

function parseResinfo(text: string): AuthResult | undefined {
  const m = METHOD.exec(text);
  if (!m) return undefined;
  const result: AuthResult = {
    method: (m[1] as string).toLowerCase(),
    result: (m[3] as string).toLowerCase(),
    props: {},
    complete: true,
  };
  let rest = text.slice(m[0].length);
  const reason = REASON.exec(rest);
  if (reason) rest = rest.slice(reason[0].length);
  for (;;) {
    if (/^\s*$/.test(rest)) return result;
    const p = PROP.exec(rest);
    if (!p?.[3]) {
      result.complete = false;
      return result;
    }
    const key = `${(p[1] as string).toLowerCase()}.${(p[2] as string).toLowerCase()}`;
    // A property given twice is ambiguous: keep neither reading as trustworthy.
    if (key in result.props) result.complete = false;
    result.props[key] = unquote(p[3]);
    rest = rest.slice(p[0].length);
  }
}

/**
 * One Authentication-Results field value (after the colon, unfolded or not), or undefined when its
 * authserv-id cannot be read or it declares a version other than 1 (RFC 8601 says to ignore those).
 * Results that cannot be read at all are left out.
 */
export function parseAuthenticationResults(value: string): AuthResultsField | undefined {
  const text = withoutComments(value);
  if (text === undefined) return undefined;
  const [head = "", ...resinfo] = splitResinfo(text);
  const id = AUTHSERV.exec(head);
  if (!id?.[1] || (id[2] !== undefined && Number(id[2]) !== 1)) return undefined;
  const authservId = unquote(id[1]);
  if (resinfo.length === 1 && /^\s*none\s*$/i.test(resinfo[0] as string)) return { authservId, results: [] };
  const results = resinfo.map(parseResinfo).filter((r): r is AuthResult => r !== undefined);
  return { authservId, results };
}
