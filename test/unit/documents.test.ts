import { describe, expect, it } from "vitest";
import { checkContent, openDocument, sealDocument } from "../../src/documents/content.js";
import { readUploadToken, UPLOAD_LINK_MINUTES, uploadTokenFor } from "../../src/documents/upload-link.js";
import { ValidationError } from "../../src/errors.js";

const config = { DOCUMENT_MAX_BYTES: 2048 };
const ring = { keys: new Map([["k1", Buffer.alloc(32, 7)]]), activeKeyId: "k1" };

describe("document content", () => {
  it("accepts each allowed type only when its first bytes agree", () => {
    expect(checkContent(config, "application/pdf", Buffer.from("%PDF-1.7 ..."))).toBe("application/pdf");
    expect(checkContent(config, "image/PNG; charset=x", Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]))).toBe("image/png");
    expect(checkContent(config, "text/plain", Buffer.from("notes"))).toBe("text/plain");
    for (const [type, bytes] of [
      ["application/pdf", Buffer.from("<html>")],
      ["image/jpeg", Buffer.from("GIF89a")],
      ["text/plain", Buffer.from([0x41, 0, 0x42])],
      ["text/html", Buffer.from("<p>")],
      [undefined, Buffer.from("%PDF")],
      ["application/pdf", Buffer.alloc(0)],
      ["text/plain", Buffer.alloc(2049, 0x41)],
    ] as const) {
      expect(() => checkContent(config, type, bytes)).toThrow(ValidationError);
    }
  });

  it("seals bytes to one document: another document's id cannot open them", () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const sealed = sealDocument(ring, "11111111-1111-4111-8111-111111111111", bytes);
    expect(openDocument(ring, "11111111-1111-4111-8111-111111111111", sealed).equals(bytes)).toBe(true);
    expect(() => openDocument(ring, "22222222-2222-4222-8222-222222222222", sealed)).toThrow();
  });
});

describe("upload links", () => {
  const referralId = "33333333-3333-4333-8333-333333333333";
  const now = new Date("2026-11-30T10:00:00Z");
  const token = uploadTokenFor("secret-1", referralId, { id: "slack:U1", art: false }, now);

  it("name the referral and the person until they expire", () => {
    expect(readUploadToken("secret-1", token, now)).toEqual({ referralId, actor: { id: "slack:U1", art: false } });
    const later = new Date(now.getTime() + UPLOAD_LINK_MINUTES * 60_000);
    expect(readUploadToken("secret-1", token, later)).toBeUndefined();
  });

  it("refuse a link signed with another secret, or altered to claim ART", () => {
    expect(readUploadToken("secret-2", token, now)).toBeUndefined();
    const [body, mac] = token.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, art: true })).toString("base64url");
    expect(readUploadToken("secret-1", `${forged}.${mac}`, now)).toBeUndefined();
    expect(readUploadToken("secret-1", "not-a-token", now)).toBeUndefined();
  });
});
