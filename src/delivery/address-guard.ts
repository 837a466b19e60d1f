// Where outbound requests built from data (a provider's webhook URL) may go: public unicast addresses only.
// Refused: loopback, private (RFC 1918), CGNAT, link-local (169.254/16: cloud metadata), multicast, broadcast,
// unspecified, reserved, documentation and benchmarking ranges, IPv6 ULA (fc00::/7), link-local, site-local, and
// any IPv6 form that embeds a refused IPv4 (IPv4-mapped, IPv4-translated, NAT64); 6to4 and Teredo are refused
// outright (no provider runs a webhook there). The development setting lets loopback through and nothing else.
//
// The caller connects to the address returned by vetDestination, never to the name again: a second DNS answer
// (rebinding) cannot move the connection after the check.
import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors.js";

export interface AddressPolicy {
  /** Development and tests only (WEBHOOK_ALLOW_LOOPBACK): loopback receivers are allowed. */
  allowLoopback: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has; injected so tests can answer without DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, so /etc/hosts applies), asked for every address. */
export const systemResolver: Resolver = async (hostname) => {
  // Through the module object at call time, so the tests' no-egress guard sees the lookup.
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A destination the rules refuse. Permanent: retrying does not make an internal address public. */
export class AddressRefusedError extends AppError {
  constructor(message: string) {
    super("address_not_allowed", message, { httpStatus: 400 });
  }
}

const cidr4 = (c: string) => ipaddr.IPv4.parseCIDR(c);
// Explicit, besides ipaddr's range(): a later ipaddr.js that renamed or narrowed a range cannot open these.
const DENIED_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
].map(cidr4);
const LOOPBACK_V4 = cidr4("127.0.0.0/8");
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function v4Allowed(ip: ipaddr.IPv4, policy: AddressPolicy): boolean {
  if (ip.match(LOOPBACK_V4)) return policy.allowLoopback;
  return ip.range() === "unicast" && !DENIED_V4.some((c) => ip.match(c));
}

/** The IPv4 address in the last 32 bits (IPv4-mapped, IPv4-translated, NAT64 forms). */
function embeddedV4(ip: ipaddr.IPv6): ipaddr.IPv4 {
  const [hi = 0, lo = 0] = ip.parts.slice(6);
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function v6Allowed(ip: ipaddr.IPv6, policy: AddressPolicy): boolean {
  const range = ip.range();
  if (range === "loopback") return policy.allowLoopback;
  if (range === "ipv4Mapped" || range === "rfc6145") return v4Allowed(embeddedV4(ip), policy);
  // NAT64 reaches the embedded address through a gateway; that gateway's loopback is not ours to allow.
  if (range === "rfc6052") return ip.match(NAT64_WELL_KNOWN) && v4Allowed(embeddedV4(ip), { allowLoopback: false });
  return range === "unicast" && ip.match(GLOBAL_UNICAST_V6);
}

/** Whether a connection to this IP address (a literal, as resolved) is allowed. Anything else is refused. */
export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  // net.isIP first: ipaddr.js also reads "0x7f.1" and "127.1", which are not what a resolver returns.
  const kind = net.isIP(address);
  if (kind === 0) return false;
  try {
    const ip = ipaddr.parse(address);
    return kind === 4 ? v4Allowed(ip as ipaddr.IPv4, policy) : v6Allowed(ip as ipaddr.IPv6, policy);
  } catch {
    return false;
  }
}

type Host = { kind: "ip"; address: string; family: 4 | 6 } | { kind: "name"; name: string };

/** The URL's host as an IP literal or a name. WHATWG URL parsing has already turned 2130706433, 0x7f.1, 0177.0.0.1
 * and 127.0.0.1. into 127.0.0.1; brackets and one trailing dot are removed here. */
function hostOf(url: URL): Host {
  const h = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const family = net.isIP(h);
  if (family !== 0) return { kind: "ip", address: h, family: family === 6 ? 6 : 4 };
  return { kind: "name", name: h.toLowerCase().replace(/\.$/, "") };
}

/** RFC 6761: localhost and every name under it are loopback, whatever a resolver says. */
const isLocalhostName = (name: string) => name === "localhost" || name.endsWith(".localhost");

/**
 * The import-time check: a reason when the URL's host is a forbidden IP literal or localhost, else undefined.
 * Other names are checked when sending, since what they resolve to can change.
 */
export function literalHostRefusal(url: URL, policy: AddressPolicy): string | undefined {
  const host = hostOf(url);
  if (host.kind === "ip" && !isAllowedAddress(host.address, policy)) {
    return "address not allowed (loopback, private, link-local or reserved addresses are refused)";
  }
  if (host.kind === "name" && isLocalhostName(host.name) && !policy.allowLoopback) {
    return "address not allowed (localhost is refused)";
  }
  return undefined;
}

/**
 * Checks where the URL would connect and returns the one address to connect to. Every address a name resolves
 * to must be allowed (a mixed answer is refused). Throws AddressRefusedError, or the resolver's own error.
 */
export async function vetDestination(url: URL, opts: AddressPolicy & { resolve: Resolver }): Promise<ResolvedAddress> {
  const host = hostOf(url);
  if (host.kind === "ip") {
    if (!isAllowedAddress(host.address, opts)) throw new AddressRefusedError(`${host.address} is not allowed`);
    return { address: host.address, family: host.family };
  }
  if (isLocalhostName(host.name) && !opts.allowLoopback) throw new AddressRefusedError(`${host.name} is not allowed`);
  const answers = await opts.resolve(host.name);
  const first = answers[0];
  if (!first) throw Object.assign(new Error(`${host.name} has no addresses`), { code: "ENODATA" });
  const refused = answers.find((a) => !isAllowedAddress(a.address, opts));
  if (refused) throw new AddressRefusedError(`${host.name} resolves to ${refused.address}, which is not allowed`);
  // One address, without the fallback a dual-stack connect would do: IPv4 first, since a worker without IPv6
  // routing would otherwise fail on every attempt for a provider that publishes both.
  return answers.find((a) => a.family === 4) ?? first;
}

/** Whether an address is loopback (the only place plain http may go, and only with the development setting). */
export function isLoopbackAddress(address: string): boolean {
  return isAllowedAddress(address, { allowLoopback: true }) && !isAllowedAddress(address, { allowLoopback: false });
}

/** Whether the URL's host is written as loopback (localhost or a loopback IP literal), without resolving. */
export function isLoopbackLiteral(url: URL): boolean {
  const host = hostOf(url);
  return host.kind === "ip" ? isLoopbackAddress(host.address) : isLocalhostName(host.name);
}
