// AES-256-GCM envelope for a child's restricted details. The key id travels with the ciphertext so keys can
// rotate: new data uses the active key, old data still decrypts with the key it names.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptionError } from "../errors.js";

export interface KeyRing {
  keys: Map<string, Buffer>;
  activeKeyId: string;
}

const VERSION = "v1";

export function encryptJson(ring: KeyRing, value: unknown, aad: string): string {
  const key = ring.keys.get(ring.activeKeyId);
  if (!key) throw new DecryptionError(`active key ${ring.activeKeyId} is not in the key ring`);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  // The AAD binds the ciphertext to its row, so an envelope copied onto another referral will not decrypt.
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ct].map((b) => b.toString("base64url"));
  return [VERSION, ring.activeKeyId, ...parts].join(".");
}

export function decryptJson(ring: KeyRing, envelope: string, aad: string): unknown {
  const [version, keyId, iv, tag, ct] = envelope.split(".");
  if (version !== VERSION || !keyId || !iv || !tag || ct === undefined) throw new DecryptionError("malformed envelope");
  const key = ring.keys.get(keyId);
  if (!key) throw new DecryptionError(`no key ${keyId} in the key ring`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const pt = Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]);
    return JSON.parse(pt.toString("utf8"));
  } catch (err) {
    throw new DecryptionError(`cannot decrypt with key ${keyId}: ${(err as Error).message}`);
  }
}

export function keyIdOf(envelope: string): string | undefined {
  return envelope.split(".")[1];
}
