// `referral-bot keys status|rotate|generate`: retiring a restricted-data key (see docs/security.md for the steps).
// Output names key ids, counts and row ids only, never any decrypted data. Exit code 2 while rows remain on a
// key other than the active one, so a release script can stop before the old key is removed.
import { randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import { createDb } from "../db.js";
import { ConfigError } from "../errors.js";
import { createLogger } from "../logger.js";
import { systemClock } from "../ports.js";
import { keyRingOf } from "../referrals/create.js";
import { type KeyStatus, keyStatus, rotateKeys } from "./rotate.js";

export const KEYS_USAGE = `  keys status [--check]                    rows per restricted-data key id; --check exits 2 if any row is
                                           not on RESTRICTED_DATA_ACTIVE_KEY
  keys rotate [--batch N]                  re-encrypt every row with the active key (safe while running)
  keys generate [--id ID]                  print a new random key-ring entry <id>:<base64 of 32 bytes>`;

type Print = (line: string) => void;

function printStatus(out: Print, s: KeyStatus) {
  out(`Active key: ${s.activeKeyId}`);
  const ids = Object.keys(s.byKey).sort();
  if (ids.length === 0) out("  (no encrypted rows)");
  for (const id of ids) {
    const n = s.byKey[id]!;
    out(`  ${id}: ${n} ${n === 1 ? "row" : "rows"} (${id === s.activeKeyId ? "active" : "not the active key"})`);
  }
  out(`${s.onOtherKeys} ${s.onOtherKeys === 1 ? "row" : "rows"} on other keys.`);
}

export async function runKeys(
  config: Config,
  sub: string | undefined,
  values: { check?: boolean; batch?: string; id?: string },
  out: Print,
): Promise<number> {
  if (sub === "generate") {
    const id = values.id ?? `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ConfigError(["--id: letters, digits, _ or -, at most 32"]);
    out(`${id}:${randomBytes(32).toString("base64")}`);
    return 0;
  }
  if (sub !== "status" && sub !== "rotate") throw new ConfigError(["keys: give status, rotate or generate"]);
  const batchSize = Number(values.batch ?? 100);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(["--batch: must be a whole number >= 1"]);
  const logger = createLogger({ level: "warn", destination: process.stderr });
  const db = createDb(config.DATABASE_URL, { poolSize: 2 });
  try {
    const active = config.RESTRICTED_DATA_ACTIVE_KEY;
    if (sub === "rotate") {
      const result = await rotateKeys(
        { db, clock: systemClock, keyRing: keyRingOf(config), logger },
        { batchSize, actor: "cli" },
      );
      out(`Re-encrypted ${result.reencrypted} ${result.reencrypted === 1 ? "row" : "rows"} with key ${active}.`);
      if (result.unreadable.length) {
        out(`Cannot read ${result.unreadable.length} rows (left as they are; is their key in RESTRICTED_DATA_KEYS?):`);
        for (const u of result.unreadable) out(`  ${u.column} ${u.id} (key ${u.keyId || "?"}): ${u.reason}`);
      }
    }
    const status = await keyStatus(db, active);
    printStatus(out, status);
    return sub === "status" && !values.check ? 0 : status.onOtherKeys > 0 ? 2 : 0;
  } finally {
    await db.$disconnect();
  }
}
