// `referral-bot apikeys create|list|revoke`: API keys for case systems (src/http/api-keys.ts). `create` prints
// the key once; only its digest is stored, so a lost key is revoked and replaced, never recovered.
import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../http/api-keys.js";
import { systemClock } from "../ports.js";
import { cliActor, err, out, withDb } from "./common.js";

export const APIKEYS_USAGE = `  apikeys create --name NAME --scopes a+b [--days N]
                                           a new API key with those scopes (e.g. referrals:write+referrals:read),
                                           expiring after N days (default 365); prints the key once
  apikeys list                             every key: id, name, scopes, expiry, revoked or not (never the key)
  apikeys revoke --id ID                   revoke a key at once`;

export async function apikeysCommand(
  config: Config,
  sub: string | undefined,
  values: {
    name?: string | undefined;
    scopes?: string | undefined;
    days?: string | undefined;
    id?: string | undefined;
  },
): Promise<number> {
  const now = systemClock.now();
  return withDb(config, async (db) => {
    if (sub === "create") {
      const days = Number(values.days ?? 365);
      if (!values.name || !values.scopes || !Number.isInteger(days) || days < 1)
        throw new ConfigError([
          "apikeys create: give --name, --scopes a+b and optionally --days N (a whole number >= 1)",
        ]);
      const { key, info } = await createApiKey(db, {
        name: values.name,
        scopes: values.scopes.split("+").map((s) => s.trim()),
        expiresAt: new Date(now.getTime() + days * 86_400_000),
        actor: cliActor().id,
        now,
      });
      err(
        `Created key ${info.id} "${info.name}" (${info.scopes.join("+")}), expires ${info.expiresAt?.toISOString()}.`,
      );
      err("This is the only time the key is shown: store it in the case system's secret store now.");
      out(key);
      return 0;
    }
    if (sub === "list") {
      const keys = await listApiKeys(db);
      if (keys.length === 0) out("No API keys.");
      for (const k of keys) {
        const state = k.revokedAt
          ? `revoked ${k.revokedAt.toISOString()}`
          : k.expiresAt && k.expiresAt <= now
            ? `expired ${k.expiresAt.toISOString()}`
            : `active, expires ${k.expiresAt?.toISOString() ?? "never"}`;
        out(`${k.id}  ${k.name}  ${k.scopes.join("+")}  ${state}`);
      }
      return 0;
    }
    if (sub === "revoke") {
      if (!values.id) throw new ConfigError(["apikeys revoke: give --id (the id from apikeys list)"]);
      if (!(await revokeApiKey(db, { id: values.id, actor: cliActor().id, now }))) {
        err(`No API key ${values.id}.`);
        return 1;
      }
      out(`Key ${values.id} revoked.`);
      return 0;
    }
    throw new ConfigError(["apikeys: give create, list or revoke"]);
  });
}
