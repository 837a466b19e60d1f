// Builds the day's digest from PostgreSQL: most urgent first (emergencies, past their required-by date, rounds
// closing today, no offer yet), then counts by lot and by days waiting, offers waiting for ART, and providers the
// referral could not reach. `attachThreads` then adds each line's thread on the platform it is posted to.
import type { Platform } from "../chat/port.js";
import type { Db } from "../db.js";
import { displayedFailure } from "../delivery/failure-reasons.js";
import { WITHDRAWAL_REASONS } from "../lifecycle/withdrawal.js";
import { londonDate, londonDayBounds, londonTime } from "./london.js";
import type { Digest, DigestBar, DigestLine, DigestSection } from "./model.js";
import {
  type DigestWindow,
  failedDeliveries,
  pendingOffers,
  type ReferralListKey,
  type ReferralRow,
  recentlyWithdrawn,
  referralList,
  threadsOf,
  unplacedCounts,
} from "./queries.js";

/** Lines per list: enough to act on, short enough to read (and to fit one chat message). */
export const DIGEST_LIST_LIMIT = 10;
export const DAYS_WAITING_BUCKETS = ["0-2 days", "3-7 days", "8-14 days", "15+ days"] as const;
/** How far back the digest lists withdrawals: a week, so Monday's digest still shows the weekend's. */
export const WITHDRAWN_WINDOW_DAYS = 7;

const DAY = 86_400_000;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "45 minutes", "5 hours", "3 days". */
export function waited(ms: number): string {
  if (ms < 3_600_000) return plural(Math.max(1, Math.floor(ms / 60_000)), "minute");
  if (ms < 2 * DAY) return plural(Math.floor(ms / 3_600_000), "hour");
  return plural(Math.floor(ms / DAY), "day");
}

const gbp = (pence: number | null) =>
  `£${((pence ?? 0) / 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}/week`;

function referralLine(row: ReferralRow, key: ReferralListKey, w: DigestWindow): DigestLine {
  const requiredBy = row.requiredBy.toISOString().slice(0, 10);
  const overdueDays = Math.round((w.todayDate.getTime() - row.requiredBy.getTime()) / DAY);
  const parts = [
    `Lot ${row.lotNumber} ${row.lotName}`,
    `${row.ageYears}, ${row.gender}`,
    row.needCodes.length ? row.needCodes.join(", ") : "no need codes",
    row.area,
    overdueDays > 0
      ? `required by ${requiredBy} (${plural(overdueDays, "day")} ago)`
      : overdueDays === 0
        ? `required by ${requiredBy} (today)`
        : `required by ${requiredBy}`,
    `waiting ${waited(w.now.getTime() - row.createdAt.getTime())}`,
    row.offers ? plural(row.offers, "offer") : "no offers yet",
  ];
  if (key === "emergencies") parts.unshift("EMERGENCY");
  if (row.closesAt && row.closesAt < w.endOfDay) {
    parts.push(row.closesAt <= w.now ? "round closing now" : `round closes ${londonTime(row.closesAt)} today`);
  }
  if (row.status === "awaiting_second_approval") parts.push("awaiting second approval");
  return { reference: row.reference, referralId: row.id, text: parts.join(" · ") };
}

const LISTS: { key: ReferralListKey; title: string }[] = [
  { key: "emergencies", title: "Emergencies" },
  { key: "overdue", title: "Past their required-by date" },
  { key: "closing_today", title: "Rounds closing today" },
  { key: "no_offers", title: "No offer yet" },
];

export async function buildDigest(db: Db, now: Date, limit = DIGEST_LIST_LIMIT): Promise<Digest> {
  const day = londonDayBounds(now);
  const w: DigestWindow = { now, todayDate: new Date(`${day.date}T00:00:00Z`), endOfDay: day.end, limit };
  const [lists, counts, offers, failed, withdrawn] = await Promise.all([
    Promise.all(LISTS.map((l) => referralList(db, l.key, w))),
    unplacedCounts(db, now),
    pendingOffers(db, limit),
    failedDeliveries(db, limit),
    recentlyWithdrawn(db, new Date(now.getTime() - WITHDRAWN_WINDOW_DAYS * DAY), limit),
  ]);

  const sections: DigestSection[] = LISTS.map((l, i) => {
    const rows = lists[i]!;
    const total = rows[0]?.total ?? 0;
    return {
      key: l.key,
      title: l.title,
      total,
      lines: rows.map((r) => referralLine(r, l.key, w)),
      more: total - rows.length,
    };
  });

  const lots = new Map<number, DigestBar>();
  const buckets: DigestBar[] = DAYS_WAITING_BUCKETS.map((label) => ({ label, count: 0 }));
  for (const c of counts) {
    const lot = lots.get(c.lotNumber) ?? { label: `Lot ${c.lotNumber} ${c.lotName}`, count: 0 };
    lot.count += c.count;
    lots.set(c.lotNumber, lot);
    buckets[c.bucket]!.count += c.count;
  }
  const byLot = [...lots.values()];
  const unplaced = byLot.reduce((n, b) => n + b.count, 0);
  const countLines = (bars: DigestBar[]): DigestLine[] => bars.map((b) => ({ text: `${b.label}: ${b.count}` }));
  sections.push(
    { key: "by_lot", title: "Unplaced by lot", total: unplaced, lines: countLines(byLot), more: 0 },
    { key: "by_days_waiting", title: "Unplaced by days waiting", total: unplaced, lines: countLines(buckets), more: 0 },
  );

  const offersTotal = offers[0]?.total ?? 0;
  sections.push({
    key: "awaiting_decision",
    title: "Offers awaiting a decision",
    total: offersTotal,
    lines: offers.map((o) => ({
      reference: o.reference,
      referralId: o.referralId,
      text: o.secondApproval
        ? `${o.providerName}, ${gbp(o.weeklyCostPence)}: approved, waiting ${waited(now.getTime() - o.since.getTime())} for a second approver`
        : `offer from ${o.providerName}, ${gbp(o.weeklyCostPence)}: waiting ${waited(now.getTime() - o.since.getTime())}`,
    })),
    more: offersTotal - offers.length,
  });
  const failedTotal = failed[0]?.total ?? 0;
  sections.push({
    key: "failed_deliveries",
    title: "Deliveries that failed",
    total: failedTotal,
    lines: failed.map((f) => ({
      reference: f.reference,
      referralId: f.referralId,
      text: `could not reach ${f.providerName}: ${displayedFailure(f.error)}`,
    })),
    more: failedTotal - failed.length,
  });
  const withdrawnTotal = withdrawn[0]?.total ?? 0;
  sections.push({
    key: "withdrawn",
    title: `Withdrawn in the last ${WITHDRAWN_WINDOW_DAYS} days`,
    total: withdrawnTotal,
    lines: withdrawn.map((x) => ({
      reference: x.reference,
      referralId: x.referralId,
      text: `Lot ${x.lotNumber} ${x.lotName} · withdrawn ${waited(now.getTime() - x.withdrawnAt.getTime())} ago: ${
        WITHDRAWAL_REASONS.find((r) => r.code === x.reason)?.label ?? "Other"
      }`,
    })),
    more: withdrawnTotal - withdrawn.length,
  });

  return {
    date: londonDate(now),
    generatedAt: now,
    unplaced,
    headline: headlineOf(unplaced, sections),
    sections,
    chart: { byLot, byDaysWaiting: buckets },
  };
}

function headlineOf(unplaced: number, sections: DigestSection[]): string {
  const n = (key: string) => sections.find((s) => s.key === key)?.total ?? 0;
  if (unplaced === 0) return "No unplaced children today.";
  const parts = [
    n("emergencies") && plural(n("emergencies"), "emergency", "emergencies"),
    n("overdue") && `${n("overdue")} past their required-by date`,
    n("closing_today") && plural(n("closing_today"), "round closing today", "rounds closing today"),
    n("no_offers") && `${n("no_offers")} with no offer yet`,
    n("awaiting_decision") && plural(n("awaiting_decision"), "offer awaiting a decision", "offers awaiting a decision"),
    n("failed_deliveries") && plural(n("failed_deliveries"), "failed delivery", "failed deliveries"),
  ].filter(Boolean);
  return `${plural(unplaced, "unplaced child", "unplaced children")}${parts.length ? `: ${parts.join(", ")}` : ""}.`;
}

/** The same digest with each referral line pointing at its thread on `platform` (where it has one). */
export async function attachThreads(db: Db, digest: Digest, platform: Platform): Promise<Digest> {
  const ids = [...new Set(digest.sections.flatMap((s) => s.lines.map((l) => l.referralId).filter(Boolean)))];
  const links = new Map((await threadsOf(db, ids as string[], platform)).map((l) => [l.referralId, l]));
  return {
    ...digest,
    sections: digest.sections.map((s) => ({
      ...s,
      lines: s.lines.map((l) => {
        const link = l.referralId ? links.get(l.referralId) : undefined;
        return link ? { ...l, thread: { channelId: link.channelId, threadId: link.threadId! } } : l;
      }),
    })),
  };
}
