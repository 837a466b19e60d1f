// A send job that finishes runs the waiting sends of its host itself, reading which delivery each one is from its
// job id as it stands in Redis: only a delivery-send id of exactly that shape names one.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deliveryOfSendJobId, deliverySendContract } from "../../src/queue/contracts.js";

describe("deliveryOfSendJobId", () => {
  it("reads back what jobId wrote", () => {
    const p = { deliveryId: randomUUID(), referralId: randomUUID(), round: 3, providerId: randomUUID() };
    expect(deliveryOfSendJobId(deliverySendContract.jobId(p))).toEqual({
      referralId: p.referralId,
      round: 3,
      providerId: p.providerId,
    });
  });

  it("refuses any other id", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    for (const id of [
      `reminder.${a}`,
      `pmsg.${a}`,
      `delivery.${a}.1`,
      `delivery.${a}.1.${b}.extra`,
      `delivery.${a}.x.${b}`,
      `delivery.${a}.-1.${b}`,
      `delivery.not-a-uuid.1.${b}`,
      `delivery.${a}.1.${b}' OR '1'='1`,
      "",
    ]) {
      expect(deliveryOfSendJobId(id), id).toBeUndefined();
    }
  });
});
