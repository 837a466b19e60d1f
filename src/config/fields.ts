// The building blocks of the settings: value types with their error messages, and the development secrets.
import { CronExpressionParser } from "cron-parser";
import ipaddr from "ipaddr.js";
import { z } from "zod";

export const intFrom = (def: number, min = 0) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .default(def);
export const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

// A key ring "k1:<base64 32 bytes>,k2:<base64>": old keys stay to decrypt, the active one encrypts.
export const keyRing = z.string().transform((raw, ctx) => {
  const keys = new Map<string, Buffer>();
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [id, b64] = part.split(":");
    const key = b64 ? Buffer.from(b64, "base64") : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      ctx.addIssue({ code: "custom", message: "each entry must be <keyId>:<base64 of 32 bytes>" });
      return z.NEVER;
    }
    keys.set(id, key);
  }
  if (keys.size === 0) {
    ctx.addIssue({ code: "custom", message: "at least one key is needed" });
    return z.NEVER;
  }
  return keys;
});

export const idList = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

export function validCron(pattern: string): boolean {
  try {
    CronExpressionParser.parse(pattern, { tz: "Europe/London" });
    return true;
  } catch {
    return false;
  }
}

// Published in this repository, so only for development and tests: accepted only when NODE_ENV says so.
export const DEV_TOKEN_SECRET = "dev-only-response-token-secret-not-for-production";
export const DEV_DATA_KEYS = "dev:ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE=";
// Recognised by its bytes: renaming the id would not make the published key secret.
export const DEV_KEY_BYTES = Buffer.from(DEV_DATA_KEYS.slice(DEV_DATA_KEYS.indexOf(":") + 1), "base64");
export const ONLY_IN_DEVELOPMENT = "is accepted only with NODE_ENV=development or test";

// Which proxies' X-Forwarded-For Express believes (the client address rate limits and logs use): a hop count,
// or names (loopback, linklocal, uniquelocal) and addresses/CIDRs. Never "true": trusting every hop would let any
// client pick its own address, and with it its own rate-limit bucket.
const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
export const trustProxy = z
  .string()
  .default("loopback")
  .transform((raw, ctx): string | string[] | number | false => {
    const v = raw.trim();
    if (v === "false" || v === "none") return false;
    if (/^\d+$/.test(v)) return Number(v);
    const parts = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.find((p) => !PROXY_NAMES.has(p) && !ipaddr.isValid(p) && !ipaddr.isValidCIDR(p));
    if (bad !== undefined || parts.length === 0) {
      ctx.addIssue({
        code: "custom",
        message:
          "must be a hop count, false, or loopback/linklocal/uniquelocal and proxy addresses or CIDRs (never true)",
      });
      return z.NEVER;
    }
    return parts.length === 1 ? (parts[0] as string) : parts;
  });

export const port = (def: number) => intFrom(def).pipe(z.number().max(65535, "must be a port number"));

export const postgresUrl = (def: string) =>
  z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .default(def);

export const cronPattern = (def: string) =>
  z
    .string()
    .trim()
    .refine((v) => validCron(v), `must be a cron pattern such as ${def}`)
    .default(def);

/** development and test accept the published development secrets; anything else is production. */
export const isDevelopment = (c: { NODE_ENV: string }) => c.NODE_ENV === "development" || c.NODE_ENV === "test";
