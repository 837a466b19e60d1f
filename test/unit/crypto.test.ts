import { describe, expect, it } from "vitest";
import { decryptJson, encryptJson, keyIdOf } from "../../src/domain/crypto.js";
import { DecryptionError } from "../../src/errors.js";

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);

describe("restricted details encryption (AES-256-GCM)", () => {
  it("round-trips and hides the plaintext", () => {
    const ring = { keys: new Map([["k1", k1]]), activeKeyId: "k1" };
    const env = encryptJson(ring, { childName: "Canary Child" }, "referral:a");
    expect(env).not.toContain("Canary");
    expect(Buffer.from(env.split(".").at(-1)!, "base64url").toString()).not.toContain("Canary");
    expect(decryptJson(ring, env, "referral:a")).toEqual({ childName: "Canary Child" });
  });

  it("keeps old data readable after a key rotation", () => {
    const old = encryptJson({ keys: new Map([["k1", k1]]), activeKeyId: "k1" }, { a: 1 }, "x");
    const rotated = {
      keys: new Map([
        ["k1", k1],
        ["k2", k2],
      ]),
      activeKeyId: "k2",
    };
    const fresh = encryptJson(rotated, { a: 2 }, "x");
    expect(keyIdOf(old)).toBe("k1");
    expect(keyIdOf(fresh)).toBe("k2");
    expect(decryptJson(rotated, old, "x")).toEqual({ a: 1 });
    expect(decryptJson(rotated, fresh, "x")).toEqual({ a: 2 });
  });

  it("refuses tampering, the wrong row and unknown keys", () => {
    const ring = { keys: new Map([["k1", k1]]), activeKeyId: "k1" };
    const env = encryptJson(ring, { a: 1 }, "referral:a");
    const parts = env.split(".");
    const ct = Buffer.from(parts[4]!, "base64url");
    ct[0] = (ct[0] ?? 0) ^ 1;
    parts[4] = ct.toString("base64url");
    expect(() => decryptJson(ring, parts.join("."), "referral:a")).toThrow(DecryptionError);
    expect(() => decryptJson(ring, env, "referral:b")).toThrow(DecryptionError);
    expect(() => decryptJson({ keys: new Map([["k2", k2]]), activeKeyId: "k2" }, env, "referral:a")).toThrow(
      /no key k1/,
    );
    expect(() => decryptJson(ring, "garbage", "referral:a")).toThrow(/malformed/);
  });
});
