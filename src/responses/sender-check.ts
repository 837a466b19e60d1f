// Whether an email reply may count as the provider's answer. The signed reply address only says which
// delivery a reply is about; anyone who saw the address (a forward, a shared mailbox) could write to it.
// So the sender must be the provider's (same address, or same domain unless the provider uses a public
// mailbox service), and what our own mail gateway found (Authentication-Results with our authserv-id)
// decides between refused, accepted-but-unverified (a decline holds for its round only) and verified.
import { domainToASCII } from "node:url";
import { type AuthResult, parseAuthenticationResults } from "./authentication-results.js";

export interface InboundSender {
  /** Every mailbox of every From field, in order; "" for a group or an entry without a usable address. */
  from: string[];
  /** The SMTP envelope sender (MAIL FROM) when the message came to us by SMTP; "" for the null sender. */
  envelopeFrom?: string;
  /** Raw Authentication-Results field values, topmost (most recently added) first. */
  authenticationResults: string[];
}

export type SenderRefusal =
  | "no_provider_email"
  | "from_unreadable"
  | "sender_mismatch"
  | "envelope_mismatch"
  | "dkim_fail"
  | "spf_fail"
  | "dmarc_fail";

export type SenderVerdict = { accepted: false; reason: SenderRefusal } | { accepted: true; verified: boolean };

// Domains where mailboxes belong to unrelated people, so "same domain" proves nothing: a provider using one
// must reply from its exact address. Not exhaustive; the common UK and international services.
const PUBLIC_MAILBOX_DOMAINS = new Set([
  "aol.co.uk",
  "aol.com",
  "blueyonder.co.uk",
  "btinternet.com",
  "btopenworld.com",
  "fastmail.com",
  "gmail.com",
  "gmx.co.uk",
  "gmx.com",
  "googlemail.com",
  "hotmail.co.uk",
  "hotmail.com",
  "icloud.com",
  "live.co.uk",
  "live.com",
  "mac.com",
  "mail.com",
  "me.com",
  "msn.com",
  "nhs.net",
  "ntlworld.com",
  "outlook.com",
  "pm.me",
  "proton.me",
  "protonmail.com",
  "sky.com",
  "talktalk.net",
  "tiscali.co.uk",
  "tutanota.com",
  "virginmedia.com",
  "yahoo.co.uk",
  "yahoo.com",
  "ymail.com",
  "zoho.com",
]);

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*$`);
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`);

/** Lower-case ASCII (punycode) host name, without a trailing dot; undefined when it is not one. */
export function normalDomain(domain: string): string | undefined {
  const ascii = domainToASCII(domain.replace(/\.$/, ""));
  return ascii && HOSTNAME.test(ascii) ? ascii : undefined;
}

/**
 * A plain mailbox (dot-atom local part, one "@", a host name) in lower case, or undefined. Quoted local
 * parts, address literals and anything with a second "@" are refused rather than interpreted.
 */
export function normalMailbox(address: string): { local: string; domain: string } | undefined {
  const at = address.indexOf("@");
  if (at <= 0 || at !== address.lastIndexOf("@")) return undefined;
  const local = address.slice(0, at);
  const domain = normalDomain(address.slice(at + 1));
  return DOT_ATOM.test(local) && domain ? { local: local.toLowerCase(), domain } : undefined;
}

/** The provider's own address, or another at its domain (unless that domain is a public mailbox service). */
export function isProvidersAddress(providerEmail: string, address: string): boolean {
  const provider = normalMailbox(providerEmail);
  const sender = normalMailbox(address);
  if (!provider || !sender || provider.domain !== sender.domain) return false;
  return PUBLIC_MAILBOX_DOMAINS.has(provider.domain) ? provider.local === sender.local : true;
}

/** The DKIM domain a result vouches for: header.d, or the domain of header.i when d is absent. */
function dkimDomain(r: AuthResult): string | undefined {
  const d = r.props["header.d"] ?? r.props["header.i"]?.split("@").at(-1);
  return d ? normalDomain(d) : undefined;
}

const FAILURES = new Map<string, { results: string[]; reason: SenderRefusal }>([
  ["dkim", { results: ["fail", "permerror"], reason: "dkim_fail" }],
  ["spf", { results: ["fail", "permerror"], reason: "spf_fail" }],
  ["dmarc", { results: ["fail"], reason: "dmarc_fail" }],
]);

/**
 * The verdict on one reply to a delivery for a provider with `providerEmail`. `authservId` is our mail
 * gateway's (INBOUND_AUTHSERV_ID); without it no Authentication-Results field is believed, so nothing is
 * refused for failing them and nothing is verified.
 *
 * - Refused: no provider email; not exactly one readable From mailbox; From or the envelope sender not the
 *   provider's; or a DKIM fail/permerror, SPF fail/permerror or DMARC fail in any field with our authserv-id
 *   (a sender can only ever add such a field to hurt its own message).
 * - Verified: a complete DKIM pass for the provider's domain in the topmost field with our authserv-id (the
 *   one our gateway added last, above anything the sender wrote). SPF softfail, neutral, none and temporary
 *   errors neither refuse nor verify.
 */
export function judgeSender(
  providerEmail: string | null,
  sender: InboundSender,
  authservId: string | undefined,
): SenderVerdict {
  const provider = providerEmail ? normalMailbox(providerEmail) : undefined;
  if (!providerEmail || !provider) return { accepted: false, reason: "no_provider_email" };
  const [from, ...more] = sender.from;
  if (from === undefined || more.length > 0 || !normalMailbox(from)) {
    return { accepted: false, reason: "from_unreadable" };
  }
  if (!isProvidersAddress(providerEmail, from)) return { accepted: false, reason: "sender_mismatch" };
  if (sender.envelopeFrom !== undefined && !isProvidersAddress(providerEmail, sender.envelopeFrom)) {
    return { accepted: false, reason: "envelope_mismatch" };
  }
  const ours = authservId
    ? sender.authenticationResults
        .map(parseAuthenticationResults)
        .filter((f) => f !== undefined && f.authservId.toLowerCase() === authservId.toLowerCase())
    : [];
  for (const field of ours) {
    for (const r of field?.results ?? []) {
      const failure = FAILURES.get(r.method);
      if (failure?.results.includes(r.result)) return { accepted: false, reason: failure.reason };
    }
  }
  const verified = (ours[0]?.results ?? []).some(
    (r) => r.method === "dkim" && r.result === "pass" && r.complete && dkimDomain(r) === provider.domain,
  );
  return { accepted: true, verified };
}
