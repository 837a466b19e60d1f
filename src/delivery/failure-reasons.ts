// The words ART sees when a delivery fails (thread, digest, events). A closed vocabulary: the raw error (socket
// codes, addresses, ports, TLS library text) goes to the log only, because showing it would turn the thread into
// an oracle for probing the service's own network ("ECONNREFUSED 10.0.0.5:5432" vs "timed out").

export const FAILURE_REASONS = {
  refused: "the provider's endpoint refused the connection",
  timedOut: "timed out",
  tlsCertificate: "TLS certificate problem",
  tlsHandshake: "TLS handshake failed",
  addressNotAllowed: "address not allowed",
  hostNotFound: "the provider's host name could not be found",
  unreachable: "the provider's endpoint could not be reached",
  connectionClosed: "the connection closed before the provider answered",
  network: "network error",
  redirect: "redirect not followed",
  httpsRequired: "the webhook URL must use https",
  badUrl: "the webhook URL is not valid",
  noWebhook: "no webhook configured",
  badSecret: "the webhook secret is not valid",
  ourPayload: "our message did not match the webhook schema",
  noEmail: "no email address",
  mailRefused: "the mail server refused the message",
  mailUnavailable: "the mail server could not be reached",
  noChannel: "no delivery channel configured",
  roundClosed: "round closed before it could be delivered",
  unknown: "delivery failed",
} as const;

export type FailureReason = (typeof FAILURE_REASONS)[keyof typeof FAILURE_REASONS] | `answered ${number}${string}`;

/** An HTTP answer as ART reads it: "answered 404", "answered 410 Gone". */
export function answeredReason(status: number): FailureReason {
  return status === 410 ? "answered 410 Gone" : `answered ${status}`;
}

const KNOWN = new Set<string>(Object.values(FAILURE_REASONS));
const ANSWERED = /^answered [1-5]\d\d( Gone)?$/;

/**
 * What may be shown for a stored failure text: a reason from the vocabulary as it is, anything else (rows
 * written before the vocabulary existed, or a bug) as the generic reason. Display code calls this, so raw text
 * can never reach a chat thread or the digest even if it was stored.
 */
export function displayedFailure(stored: string | null | undefined): string {
  if (stored && (KNOWN.has(stored) || ANSWERED.test(stored))) return stored;
  return FAILURE_REASONS.unknown;
}
