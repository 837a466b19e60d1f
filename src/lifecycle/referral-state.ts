// The referral lifecycle as a pure state machine: no I/O, so every transition is unit-tested exhaustively.
// Persistence (with an audit event in the same transaction) lives in src/referrals/transition.ts.
import { IllegalTransitionError } from "../errors.js";

export const REFERRAL_STATES = [
  "draft",
  "open",
  "offers_received",
  "awaiting_second_approval",
  "placed",
  "recirculated",
  "withdrawn",
  "expired",
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<ReferralState> = new Set(["placed", "withdrawn", "expired"]);

export type ReferralEvent =
  | { type: "open" }
  | { type: "offer_received" }
  | { type: "approve"; weeklyCostPence: number; thresholdPence: number }
  | { type: "second_approve" }
  | { type: "second_reject" }
  | { type: "recirculate" }
  | { type: "withdraw"; reason: string }
  | { type: "expire" };

export type ReferralEventType = ReferralEvent["type"];

/** States from which a round is live and providers may still answer. */
const LIVE: ReferralState[] = ["open", "offers_received", "recirculated"];

export function nextState(from: ReferralState, event: ReferralEvent): ReferralState {
  const illegal = () => new IllegalTransitionError(from, event.type);
  switch (event.type) {
    case "open":
      if (from === "draft") return "open";
      throw illegal();
    case "offer_received":
      // A later offer while a decision is pending keeps the pending state: nothing is lost, the offer is stored.
      if (LIVE.includes(from)) return "offers_received";
      if (from === "awaiting_second_approval") return from;
      throw illegal();
    case "approve":
      // Offers from an earlier round still stand after a recirculation, so they can be approved then too.
      if (from !== "offers_received" && from !== "recirculated") throw illegal();
      return event.weeklyCostPence > event.thresholdPence ? "awaiting_second_approval" : "placed";
    case "second_approve":
      if (from === "awaiting_second_approval") return "placed";
      throw illegal();
    case "second_reject":
      if (from === "awaiting_second_approval") return "offers_received";
      throw illegal();
    case "recirculate":
      if (LIVE.includes(from)) return "recirculated";
      throw illegal();
    case "withdraw":
      if (!event.reason.trim()) throw illegal();
      if (TERMINAL_STATES.has(from)) throw illegal();
      return "withdrawn";
    case "expire":
      if (TERMINAL_STATES.has(from)) throw illegal();
      return "expired";
  }
}

export function canApply(from: ReferralState, event: ReferralEvent): boolean {
  try {
    nextState(from, event);
    return true;
  } catch {
    return false;
  }
}
