// API keys for case systems that do not use Entra ID (`referral-bot apikeys create|list|revoke`). A key is
// `rbk_<id>_<secret>`: the id is its visible prefix (listed, logged, used to revoke), the secret 32 random bytes.
// Only a SHA-256 digest of the whole key is stored: the key is high-entropy, so a slow hash adds nothing, and the
// key is printed once at creation and never again. Each key has scopes (API_SCOPES) and may expire.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db.js";
import { ValidationError } from "../errors.js";
import { writeAudit } from "../referrals/audit.js";
import { API_SCOPES, type ApiScope } from "./api-tokens.js";

const KEY_PATTERN = /^rbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const digestOf = (key: string) => createHash("sha256").update(key).digest("hex");
const isScope = (s: string): s is ApiScope => (API_SCOPES as readonly string[]).includes(s);

/** Whether a bearer credential is shaped like an API key (checked before any database lookup). */
export const looksLikeApiKey = (credential: string) => KEY_PATTERN.test(credential);

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: ApiScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export async function createApiKey(
  db: Db,
  args: { name: string; scopes: string[]; expiresAt?: Date; actor: string; now: Date },
): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(args.name))
    throw new ValidationError("--name: letters, digits, _ . or - (at most 64)", {
      name: ["must be letters, digits, _ . or - (at most 64)"],
    });
  const unknown = args.scopes.filter((s) => !isScope(s));
  if (args.scopes.length === 0 || unknown.length)
    throw new ValidationError(`--scopes: give one or more of ${API_SCOPES.join(", ")}, joined by +`, {
      scopes: [`give one or more of ${API_SCOPES.join(", ")}`],
    });
  if (args.expiresAt && args.expiresAt <= args.now)
    throw new ValidationError("The expiry must be in the future", { expires: ["must be in the future"] });
  const id = randomBytes(6).toString("hex");
  const key = `rbk_${id}_${randomBytes(32).toString("base64url")}`;
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        id,
        name: args.name,
        digest: digestOf(key),
        scopes: args.scopes,
        expiresAt: args.expiresAt ?? null,
        createdAt: args.now,
      },
    });
    await writeAudit(tx, {
      actor: args.actor,
      action: "apikey.created",
      detail: { id, name: args.name, scopes: args.scopes, expiresAt: args.expiresAt?.toISOString() ?? null },
      at: args.now,
    });
    return created;
  });
  return { key, info: infoOf(row) };
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return (await db.apiKey.findMany({ orderBy: { createdAt: "asc" } })).map(infoOf);
}

/** Revoking is immediate (every request looks the key up) and idempotent. False when there is no such key. */
export async function revokeApiKey(db: Db, args: { id: string; actor: string; now: Date }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const found = await tx.apiKey.findUnique({ where: { id: args.id } });
    if (!found) return false;
    if (found.revokedAt) return true;
    await tx.apiKey.update({ where: { id: args.id }, data: { revokedAt: args.now } });
    await writeAudit(tx, { actor: args.actor, action: "apikey.revoked", detail: { id: args.id }, at: args.now });
    return true;
  });
}

export type ApiKeyCheck =
  | { ok: true; name: string; id: string; scopes: ReadonlySet<ApiScope> }
  | { ok: false; reason: "unknown_key" | "revoked_key" | "expired_key"; id?: string };

export async function verifyApiKey(db: Db, credential: string, now: Date): Promise<ApiKeyCheck> {
  const match = KEY_PATTERN.exec(credential);
  if (!match?.[1]) return { ok: false, reason: "unknown_key" };
  const id = match[1];
  const row = await db.apiKey.findUnique({ where: { id } });
  const given = Buffer.from(digestOf(credential), "hex");
  // Compared in constant time even for an unknown id, so timing does not tell which ids exist.
  const stored = row ? Buffer.from(row.digest, "hex") : Buffer.alloc(32);
  if (!timingSafeEqual(given, stored) || !row) return { ok: false, reason: "unknown_key" };
  if (row.revokedAt) return { ok: false, reason: "revoked_key", id };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, reason: "expired_key", id };
  return { ok: true, id, name: `key:${row.name}`, scopes: new Set(row.scopes.filter(isScope)) };
}

function infoOf(row: {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}): ApiKeyInfo {
  return { ...row, scopes: row.scopes.filter(isScope) };
}
