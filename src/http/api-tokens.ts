// ART_API_TOKENS: the bearer tokens of ART's API callers and what each may do. An entry is
// `<name>:<token>` or `<name>:<token>:<scope>+<scope>...`; a token without scopes may only read reports, so a
// token handed out for reporting can never approve a placement. Only a SHA-256 digest of each token is kept.
import { createHash } from "node:crypto";

/** What a token may do; each API route requires one. `admin` is its own scope and implies no other. */
export const API_SCOPES = [
  "reports:read",
  "decisions:write",
  "referrals:read",
  "referrals:write",
  // The child's restricted details in GET /api/v1/referrals/:reference?include=restricted (each view audited).
  "referrals:restricted:read",
  "data:export",
  "admin",
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The scopes of an entry written without any (the format before scopes existed). */
export const DEFAULT_API_SCOPES: readonly ApiScope[] = ["reports:read"];

export interface ApiToken {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<ApiScope>;
}

export const tokenDigest = (token: string) => createHash("sha256").update(token).digest();

const isScope = (s: string): s is ApiScope => (API_SCOPES as readonly string[]).includes(s);

/** Parses the setting; problems never quote a token (they end up in logs and on consoles). */
export function parseApiTokens(raw: string | undefined): { tokens: ApiToken[]; problems: string[] } {
  const tokens: ApiToken[] = [];
  const problems: string[] = [];
  const entries = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [i, entry] of entries.entries()) {
    const [name = "", token = "", ...rest] = entry.split(":");
    const label = /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? `"${name}"` : `entry ${i + 1}`;
    if (label.startsWith("entry")) {
      problems.push(`${label}: the name must be letters, digits, _ . or - (at most 64)`);
      continue;
    }
    if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
      problems.push(`${label}: the token must be 32 or more letters, digits, _ or -`);
      continue;
    }
    const scopeText = rest.join(":");
    const scopes = rest.length === 0 ? [...DEFAULT_API_SCOPES] : scopeText.split("+");
    const unknown = scopes.filter((s) => !isScope(s));
    if (unknown.length) {
      problems.push(
        `${label}: unknown scope ${unknown.map((s) => `"${s}"`).join(", ")} (known: ${API_SCOPES.join(", ")})`,
      );
      continue;
    }
    const digest = tokenDigest(token);
    if (tokens.some((t) => t.name === name)) problems.push(`${label}: the name "${name}" is used twice`);
    else if (tokens.some((t) => t.digest.equals(digest)))
      problems.push(`${label}: has the same token as another entry`);
    else tokens.push({ name, digest, scopes: new Set(scopes.filter(isScope)) });
  }
  return { tokens, problems };
}
