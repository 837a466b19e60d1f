// Where the bot may send Bot Framework requests. An activity names its own `serviceUrl`, and the bot posts its
// replies there with its bearer token; so a service URL is trusted only if its host is one of Microsoft's Bot
// Framework hosts (or the operator's list), and only over https in production. Local mode (development, tests,
// the demo) also admits loopback hosts, where the local connector runs.

/** Microsoft's Bot Framework service hosts for Teams: the public cloud, GCC, GCC High and DoD. */
export const DEFAULT_SERVICE_URL_HOSTS = [
  "smba.trafficmanager.net",
  "*.botframework.com",
  "smba.infra.gcc.teams.microsoft.com",
  "smba.infra.gov.teams.microsoft.us",
  "smba.infra.dod.teams.microsoft.us",
  "*.botframework.us",
  "*.botframework.azure.us",
] as const;

export interface ServiceUrlPolicy {
  /** `host`, `*.domain` (any subdomain, not the domain itself), optionally with `:port`. */
  hosts: readonly string[];
  /** Production: https only. */
  httpsOnly: boolean;
  /** Local mode: loopback hosts (127.0.0.0/8, ::1, localhost) on any port are allowed too. */
  allowLoopback: boolean;
}

const isLoopback = (host: string) =>
  host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

function hostMatches(pattern: string, url: URL): boolean {
  const p = pattern.trim().toLowerCase();
  const colon = p.lastIndexOf(":");
  const [host, port] =
    colon > 0 && /^\d+$/.test(p.slice(colon + 1)) ? [p.slice(0, colon), p.slice(colon + 1)] : [p, ""];
  // Without a port in the pattern, only the scheme's default port (URL.port is then "").
  if (url.port !== port) return false;
  const actual = url.hostname.toLowerCase();
  if (host.startsWith("*.")) return actual.endsWith(host.slice(1)) && actual.length > host.length - 1;
  return actual === host;
}

/** Whether the bot may send to (or store) this service URL. */
export function serviceUrlAllowed(raw: unknown, policy: ServiceUrlPolicy): boolean {
  if (typeof raw !== "string" || raw.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  if (policy.allowLoopback && isLoopback(url.hostname)) return true;
  if (policy.httpsOnly && url.protocol !== "https:") return false;
  return policy.hosts.some((h) => hostMatches(h, url));
}

/** The host of a URL for logs and audit rows (never the whole URL, which an attacker chose). */
export function hostOf(raw: unknown): string {
  try {
    return new URL(String(raw)).host.slice(0, 200);
  } catch {
    return "invalid";
  }
}
