// A person's home in chat (Slack App Home, the Teams bot's personal chat): the referrals they raised, with what
// happens next, and for ART members what waits on their decision. Computed here once; each adapter renders it.
import type { Db } from "../db.js";
import { londonDateTime } from "../digest/london.js";
import type { ReferralState } from "../lifecycle/referral-state.js";
import type { Actor, Clock } from "../ports.js";
import { plural } from "./card-text.js";
import type { HomeAwaiting, HomeReferral, HomeView, Platform } from "./port.js";
import { threadsOf, waitingItems } from "./waiting.js";

/** Entries per list: the adapters cut further to their platform's limits and say how many more there are. */
export const HOME_LIMIT = 50;
/** Closed referrals stay on their raiser's home this long, so a placement is seen before it drops off. */
const CLOSED_SHOWN_DAYS = 14;

const STATUS_WORDS: Record<ReferralState, string> = {
  draft: "Draft",
  open: "Open",
  offers_received: "Offers received",
  awaiting_second_approval: "Awaiting second approval",
  placed: "Placed",
  recirculated: "Recirculated",
  withdrawn: "Withdrawn",
  expired: "Expired",
};

function nextStep(status: ReferralState, offers: number, questions: number, closesAt?: Date): string {
  const closes = closesAt ? `; round closes ${londonDateTime(closesAt)}` : "";
  const base: Record<ReferralState, string> = {
    draft: "Being raised",
    open: `Providers are considering it${closes}`,
    offers_received: `ART to decide on ${plural(offers, "offer")}${closes}`,
    awaiting_second_approval: "A senior approver to give the second approval",
    recirculated: `Sent to providers again${closes}`,
    placed: "Nothing: the child is placed",
    withdrawn: "Nothing: withdrawn",
    expired: "Nothing: expired unplaced",
  };
  return questions && !["placed", "withdrawn", "expired"].includes(status)
    ? `${plural(questions, "provider question")} to answer. ${base[status]}`
    : base[status];
}

export async function homeOf(
  deps: { db: Db; clock: Clock },
  platform: Platform,
  actor: Actor,
  limit = HOME_LIMIT,
): Promise<HomeView> {
  const since = new Date(deps.clock.now().getTime() - CLOSED_SHOWN_DAYS * 86_400_000);
  const mine = { createdBy: actor.id, erasedAt: null, OR: [{ closedAt: null }, { closedAt: { gte: since } }] };
  const [total, rows, waiting] = await Promise.all([
    deps.db.referral.count({ where: mine }),
    deps.db.referral.findMany({
      where: mine,
      orderBy: { createdAt: "desc" },
      take: limit,
      select: {
        id: true,
        reference: true,
        urgency: true,
        status: true,
        rounds: { orderBy: { number: "desc" }, take: 1, select: { closesAt: true, closedAt: true } },
        responses: { select: { type: true, supersededById: true, withdrawnAt: true } },
      },
    }),
    actor.art ? waitingItems(deps.db, { limit }) : Promise.resolve([]),
  ]);
  // Questions still unanswered on my referrals: the same rule as the ART list.
  const myQuestions = actor.art
    ? waiting
    : await waitingItems(deps.db, { limit, kinds: ["question"] }).then((w) => w.filter((i) => i.raisedBy === actor.id));
  const openQuestions = new Map<string, number>();
  for (const q of myQuestions)
    if (q.kind === "question") openQuestions.set(q.referralId, (openQuestions.get(q.referralId) ?? 0) + 1);
  // A second approval is for a senior approver other than the one who gave the first.
  const mayAct = waiting.filter((w) => w.kind !== "second_approval" || (actor.senior && w.firstApprover !== actor.id));
  const threads = await threadsOf(deps.db, platform, [...rows.map((r) => r.id), ...mayAct.map((w) => w.referralId)]);
  const myReferrals: HomeReferral[] = rows.map((r) => {
    const offers = r.responses.filter((x) => x.type === "offer" && !x.supersededById && !x.withdrawnAt).length;
    const round = r.rounds[0];
    const thread = threads.get(r.id);
    return {
      referralId: r.id,
      reference: r.reference,
      urgency: r.urgency,
      status: r.status,
      statusText: STATUS_WORDS[r.status],
      offers,
      next: nextStep(
        r.status,
        offers,
        openQuestions.get(r.id) ?? 0,
        round && !round.closedAt ? round.closesAt : undefined,
      ),
      ...(thread ? { thread } : {}),
    };
  });
  if (!actor.art) return { myReferrals: { total, entries: myReferrals } };
  // Emergencies first, then the longest waiting.
  const awaiting: HomeAwaiting[] = mayAct
    .sort((a, b) => Number(b.urgency === "emergency") - Number(a.urgency === "emergency") || +a.since - +b.since)
    .map((w) => {
      const thread = threads.get(w.referralId);
      return {
        kind: w.kind,
        referralId: w.referralId,
        reference: w.reference,
        urgency: w.urgency,
        text: w.text,
        since: w.since,
        ...(thread ? { thread } : {}),
      };
    });
  return { myReferrals: { total, entries: myReferrals }, awaiting: { total: awaiting.length, entries: awaiting } };
}
