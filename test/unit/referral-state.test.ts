import { describe, expect, it } from "vitest";
import { IllegalTransitionError } from "../../src/errors.js";
import {
  canApply,
  nextState,
  REFERRAL_STATES,
  type ReferralEvent,
  type ReferralState,
} from "../../src/lifecycle/referral-state.js";

const cheap: ReferralEvent = { type: "approve", weeklyCostPence: 100_000, thresholdPence: 500_000 };
const dear: ReferralEvent = { type: "approve", weeklyCostPence: 700_000, thresholdPence: 500_000 };
const EVENTS: Record<string, ReferralEvent> = {
  open: { type: "open" },
  offer_received: { type: "offer_received" },
  approve_below: cheap,
  approve_above: dear,
  second_approve: { type: "second_approve" },
  second_reject: { type: "second_reject" },
  recirculate: { type: "recirculate" },
  withdraw: { type: "withdraw", reason: "child returned home" },
  expire: { type: "expire" },
};

// The whole table: every state x every event. Anything not listed here must be an illegal transition.
const ALLOWED: Partial<Record<ReferralState, Partial<Record<keyof typeof EVENTS, ReferralState>>>> = {
  draft: { open: "open", withdraw: "withdrawn", expire: "expired" },
  open: { offer_received: "offers_received", recirculate: "recirculated", withdraw: "withdrawn", expire: "expired" },
  offers_received: {
    offer_received: "offers_received",
    approve_below: "placed",
    approve_above: "awaiting_second_approval",
    recirculate: "recirculated",
    withdraw: "withdrawn",
    expire: "expired",
  },
  awaiting_second_approval: {
    offer_received: "awaiting_second_approval",
    second_approve: "placed",
    second_reject: "offers_received",
    withdraw: "withdrawn",
    expire: "expired",
  },
  recirculated: {
    offer_received: "offers_received",
    approve_below: "placed",
    approve_above: "awaiting_second_approval",
    recirculate: "recirculated",
    withdraw: "withdrawn",
    expire: "expired",
  },
  placed: {},
  withdrawn: {},
  expired: {},
};

describe("referral lifecycle", () => {
  for (const from of REFERRAL_STATES) {
    for (const [name, event] of Object.entries(EVENTS)) {
      const expected = ALLOWED[from]?.[name];
      it(`${from} --${name}--> ${expected ?? "illegal"}`, () => {
        if (expected) {
          expect(nextState(from, event)).toBe(expected);
          expect(canApply(from, event)).toBe(true);
        } else {
          expect(() => nextState(from, event)).toThrow(IllegalTransitionError);
          expect(canApply(from, event)).toBe(false);
        }
      });
    }
  }

  it("an illegal transition is a typed error with a stable code and the states involved", () => {
    try {
      nextState("placed", { type: "open" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      expect((e as IllegalTransitionError).code).toBe("illegal_transition");
      expect((e as IllegalTransitionError).from).toBe("placed");
      expect((e as IllegalTransitionError).httpStatus).toBe(409);
    }
  });

  it("a cost exactly at the threshold needs no second approver", () => {
    expect(nextState("offers_received", { type: "approve", weeklyCostPence: 500_000, thresholdPence: 500_000 })).toBe(
      "placed",
    );
    expect(nextState("offers_received", { type: "approve", weeklyCostPence: 500_001, thresholdPence: 500_000 })).toBe(
      "awaiting_second_approval",
    );
  });

  it("withdrawing needs a reason", () => {
    expect(() => nextState("open", { type: "withdraw", reason: "  " })).toThrow(IllegalTransitionError);
  });
});
