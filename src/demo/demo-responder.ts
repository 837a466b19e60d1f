// How the demo's providers answer, whether a referral reached them by webhook or by email: like a provider's
// system (or person) would, through the delivery's response link, after a short pause. Deterministic per
// provider so the demo looks the same each time (about 1 in 3 offer, some decline, some ask a question, some ask
// for documents), and the first provider to receive each referral always offers, so every lot gets an offer
// however few of its providers match the child.
import type { Logger } from "../logger.js";

export type DemoAnswer =
  | {
      type: "offer";
      startDate: string;
      needsMet: string;
      /** Priced weekly, or on another basis (the card and Compare offers show its weekly equivalent too). */
      weeklyCostGbp?: number;
      costGbp?: number;
      costBasis?: "annual_52_week" | "daily";
      daysPerWeek?: number;
      /** Where the home is (a postcode district): Compare offers shows its distance from the child's area. */
      placementDistrict: string;
    }
  | { type: "decline"; reason: string; notes: string }
  | { type: "question"; question: string }
  /** Asks ART for documents before deciding: the thread shows the request with Release and "Add a document". */
  | { type: "request_documents"; kinds: string[] };

// Where the demo's homes are: districts across the sample directory's East of England, so that the demo's
// comparison shows distances.
const DEMO_DISTRICTS = ["PE7", "NR2", "IP4", "CB4", "PE30", "NR31", "IP33", "PE2"];

/** A provider's answer by its place in the sample directory (`index`); undefined: it does not answer. */
export function answerFor(index: number, name: string, offerAnyway = false): DemoAnswer | undefined {
  // Under the default second-approval threshold (£5,000), so one ART approval places the child.
  const weekly = 3600 + ((index * 137) % 1300);
  // Priced as providers do (weekly, an annual fee, a day rate), so Compare offers has bases to convert.
  const price =
    index % 3 === 1
      ? { costGbp: weekly * 52, costBasis: "annual_52_week" as const }
      : index % 3 === 2
        ? { costGbp: Math.round(weekly / 7), costBasis: "daily" as const, daysPerWeek: 7 }
        : { weeklyCostGbp: weekly };
  const offer: DemoAnswer = {
    type: "offer",
    ...price,
    startDate: new Date(Date.now() + (7 + (index % 10)) * 86_400_000).toISOString().slice(0, 10),
    needsMet: `${name}: experienced with the needs described; a quiet room and a key worker are ready.`,
    placementDistrict: DEMO_DISTRICTS[index % DEMO_DISTRICTS.length]!,
  };
  if (offerAnyway) return offer;
  switch (index % 6) {
    case 0:
    case 3:
      return offer;
    case 1:
      return {
        type: "decline",
        reason: index % 2 ? "no_vacancy" : "cannot_meet_needs",
        notes: "Sorry, not this time.",
      };
    case 4:
      return { type: "question", question: "Does the young person have contact with siblings, and how often?" };
    case 5:
      return { type: "request_documents", kinds: ["care_plan", "risk_assessment"] };
    default:
      return undefined;
  }
}

export interface DemoResponder {
  /** A referral reached a demo provider: answer it later through `responseUrl` if this provider would. */
  received(p: { index: number; name: string }, referral: string, responseUrl: string): void;
  readonly answered: number;
  close(): void;
}

export function demoResponder(opts: { answerDelayMs: number; logger: Logger }): DemoResponder {
  const timers = new Set<NodeJS.Timeout>();
  const offered = new Set<string>();
  let answered = 0;
  return {
    received(p, referral, responseUrl) {
      const first = !offered.has(referral);
      offered.add(referral);
      const answer = answerFor(p.index, p.name, first);
      if (!answer) return;
      const timer = setTimeout(
        async () => {
          timers.delete(timer);
          try {
            const r = await fetch(responseUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(answer),
            });
            if (r.ok) answered++;
            else opts.logger.warn({ status: r.status }, "demo provider's answer was refused");
          } catch (err) {
            opts.logger.warn({ error: (err as Error).message }, "demo provider could not answer");
          }
        },
        opts.answerDelayMs * (first ? 1 : 1 + (p.index % 4)),
      );
      timers.add(timer);
    },
    get answered() {
      return answered;
    },
    close() {
      for (const t of timers) clearTimeout(t);
    },
  };
}
