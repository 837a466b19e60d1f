// The webhook channel signs with Node's HMAC rather than the Standard Webhooks library's JavaScript SHA-256: its
// signatures must be exactly the library's, or every provider would refuse our messages.
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signatureOf } from "../../adapters/webhook/webhook-channel.js";

describe("webhook signature", () => {
  const bodies = ["{}", JSON.stringify({ profile: { area: "Leeds", note: "Zoë – ½ day, 🏠" } }), "x".repeat(5000)];
  for (const [i, body] of bodies.entries()) {
    it(`is the library's for body ${i + 1}`, () => {
      for (let k = 0; k < 20; k++) {
        const secret = `whsec_${randomBytes(8 + k).toString("base64")}`;
        const at = new Date(Date.now() - k * 1_234);
        const id = `msg_${k}.referral`;
        const ours = signatureOf(secret, id, at, body);
        expect(ours).toBe(new Webhook(secret).sign(id, at, body));
        // And a receiver using the library accepts it.
        const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)) };
        const verify = (signature: string) =>
          new Webhook(secret).verify(body, { ...headers, "webhook-signature": signature }, { jsonParse: false });
        expect(() => verify(ours)).not.toThrow();
        expect(() => verify(signatureOf(secret, id, at, `${body} `))).toThrow(/signature/i);
      }
    });
  }
  it("takes a secret without its whsec_ prefix as the library does", () => {
    const raw = randomBytes(24).toString("base64");
    const at = new Date();
    expect(signatureOf(raw, "m", at, "{}")).toBe(new Webhook(raw).sign("m", at, "{}"));
  });
});
