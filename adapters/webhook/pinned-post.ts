// One POST to an address that has already been vetted. The socket is opened to that IP, never to the URL's name:
// a name resolved a second time (by an agent or a dispatcher) could answer differently (DNS rebinding). The name
// still travels where the receiver needs it: in the Host header, and for https as the TLS server name (SNI), so
// the certificate is verified against the name in the URL. Node's http client never follows redirects.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { ResolvedAddress } from "../../src/delivery/address-guard.js";
import { FAILURE_REASONS, type FailureReason } from "../../src/delivery/failure-reasons.js";

const MAX_RESPONSE_BYTES = 2048;

export interface PinnedPost {
  url: URL;
  to: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export interface PostAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

export function postPinned(p: PinnedPost): Promise<PostAnswer> {
  const secure = p.url.protocol === "https:";
  const name = p.url.hostname.replace(/^\[(.*)\]$/, "$1");
  const options: https.RequestOptions = {
    method: "POST",
    host: p.to.address,
    family: p.to.family,
    port: p.url.port || (secure ? 443 : 80),
    path: `${p.url.pathname}${p.url.search}`,
    headers: { ...p.headers, host: p.url.host, "content-length": String(Buffer.byteLength(p.body)) },
    signal: p.signal,
    // SNI cannot carry an IP; for a literal IP the certificate is checked against that IP (host) instead.
    ...(secure && net.isIP(name) === 0 ? { servername: name } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      void drain(res).then(() => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(p.body);
  });
}

/** Reads at most 2 KB of the response, so a receiver cannot make us buffer a huge or endless body. */
function drain(res: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    res.on("data", (chunk: Buffer) => {
      read += chunk.byteLength;
      if (read >= MAX_RESPONSE_BYTES) {
        res.destroy();
        resolve();
      }
    });
    // The status has already arrived; a broken or aborted body does not change the outcome.
    res.on("end", resolve);
    res.on("error", () => resolve());
    res.on("close", resolve);
  });
}

const HOST_NOT_FOUND = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_NONAME", "EAI_FAIL", "ENODATA"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"]);
const CLOSED = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);

/** The error code of a socket, DNS or TLS error (or of its cause), if any. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return undefined;
}

/** A network failure as ART may read it; the code itself goes to the log only. */
export function networkReason(err: unknown): FailureReason {
  const code = errorCode(err) ?? "";
  if (code === "ECONNREFUSED") return FAILURE_REASONS.refused;
  if (HOST_NOT_FOUND.has(code)) return FAILURE_REASONS.hostNotFound;
  if (UNREACHABLE.has(code)) return FAILURE_REASONS.unreachable;
  if (CLOSED.has(code)) return FAILURE_REASONS.connectionClosed;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/.test(code)) return FAILURE_REASONS.tlsCertificate;
  if (/^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(code)) return FAILURE_REASONS.tlsHandshake;
  return FAILURE_REASONS.network;
}
