// Every test process: any TCP connection to an address other than loopback throws before a packet is sent.
// Hostnames other than "localhost" are refused too, since resolving them could already leave the machine; and
// so is a DNS lookup of such a name made on its own (the webhook channel resolves before it connects).
import dns from "node:dns";
import net from "node:net";

export const GUARD_MARK = Symbol.for("referral-bot.no-egress");

export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === "" || host === "localhost") return true; // Node's default host is localhost
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (net.isIPv4(h)) return h.startsWith("127.");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(h);
  return mapped?.[1] ? mapped[1].startsWith("127.") : false;
}

type Connect = typeof net.Socket.prototype.connect;
const proto = net.Socket.prototype as net.Socket & { [GUARD_MARK]?: true };
if (!proto[GUARD_MARK]) {
  const original: Connect = proto.connect;
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    // net.connect(port, host) and http agents pass Node's normalised [options, cb] array as the first argument.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host: string | undefined;
    let path: string | undefined;
    if (typeof first === "object" && first !== null) {
      ({ host, path } = first as { host?: string; path?: string });
    } else if (typeof first === "string" && Number.isNaN(Number(first))) {
      path = first; // a Unix socket path
    } else if (typeof args[1] === "string") {
      host = args[1];
    }
    if (path === undefined && !isLoopbackHost(host)) {
      throw new Error(`no-egress: connection to ${host} refused in tests (loopback only)`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as Connect;
  proto[GUARD_MARK] = true;
}

/** Whether looking this name up stays on the machine: an IP literal, or localhost and names under it. */
export function isLocalLookup(host: unknown): boolean {
  if (typeof host !== "string") return false;
  const h = host.toLowerCase().replace(/\.$/, "");
  return net.isIP(h) !== 0 || h === "localhost" || h.endsWith(".localhost");
}

type Lookup = (...a: unknown[]) => unknown;
const dnsMarked = dns as typeof dns & { [GUARD_MARK]?: true };
if (!dnsMarked[GUARD_MARK]) {
  const refuse = (host: unknown) =>
    new Error(`no-egress: DNS lookup of ${String(host)} refused in tests (loopback only)`);
  const lookup = dns.lookup as unknown as Lookup;
  (dns as unknown as { lookup: Lookup }).lookup = function guardedLookup(host: unknown, ...rest: unknown[]) {
    if (!isLocalLookup(host)) throw refuse(host);
    return lookup.call(dns, host, ...rest);
  };
  const promises = dns.promises as unknown as { lookup: Lookup };
  const lookupAsync = promises.lookup;
  promises.lookup = async function guardedLookup(host: unknown, ...rest: unknown[]) {
    if (!isLocalLookup(host)) throw refuse(host);
    return lookupAsync.call(dns.promises, host, ...rest);
  };
  dnsMarked[GUARD_MARK] = true;
}
