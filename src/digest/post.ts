// Posts the day's digest to each configured channel, once per London date per channel, however many workers or
// retries run it. PostgreSQL decides: a poster first claims the (date, platform, channel) row in one atomic
// statement, and only the holder of the claim posts.
//
// When posting fails after the claim, the row is marked `failed` with the error, and the next attempt (the job's
// retry, another worker, or `referral-bot digest --now`) may claim it and post. A claim whose poster died without
// marking it is taken over once it is older than the lease. So the digest is posted at least once per day and
// channel, and twice only if a poster dies in the moment between the platform accepting the message and the row
// being marked posted (the platforms offer no idempotency key for messages): we prefer that rare repeat to a
// morning without the digest.
import { randomUUID } from "node:crypto";
import type { ChatPort, Platform } from "../chat/port.js";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { attachThreads, buildDigest } from "./build.js";
import { renderDigestChart } from "./chart.js";
import { londonDate } from "./london.js";
import type { Digest } from "./model.js";

/** A claim older than this is taken to belong to a poster that died. Posting takes seconds. */
export const DIGEST_CLAIM_LEASE_MS = 10 * 60_000;

export interface DigestTarget {
  platform: Platform;
  channelId: string;
}

export type DigestOutcome = DigestTarget & {
  result: "posted" | "already_posted" | "in_progress" | "failed";
  messageId?: string;
  error?: string;
  /** For failures: whether trying again may help. */
  retryable?: boolean;
  warnings?: string[];
};

export interface DigestDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, "DIGEST_SLACK_CHANNEL" | "DIGEST_TEAMS_CHANNEL">;
  chats: Partial<Record<Platform, ChatPort>>;
}

/** A channel per platform that has both a digest channel and a chat adapter configured. */
export function digestTargets(deps: Pick<DigestDeps, "config" | "chats">): DigestTarget[] {
  const wanted: [Platform, string | undefined][] = [
    ["slack", deps.config.DIGEST_SLACK_CHANNEL],
    ["teams", deps.config.DIGEST_TEAMS_CHANNEL],
  ];
  return wanted.flatMap(([platform, channelId]) =>
    channelId && deps.chats[platform] ? [{ platform, channelId }] : [],
  );
}

type Claim = { id: string } | { state: "posted" | "claimed" | "failed" };

async function claim(db: Db, date: string, t: DigestTarget, token: string, now: Date): Promise<Claim> {
  const staleBefore = new Date(now.getTime() - DIGEST_CLAIM_LEASE_MS);
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "DigestPost" ("id", "date", "platform", "channelId", "state", "claimedBy", "claimedAt", "attempts")
    VALUES (gen_random_uuid(), ${date}::date, ${t.platform}, ${t.channelId}, 'claimed', ${token}, ${now}, 1)
    ON CONFLICT ("date", "platform", "channelId") DO UPDATE
      SET "state" = 'claimed', "claimedBy" = EXCLUDED."claimedBy", "claimedAt" = EXCLUDED."claimedAt",
        "attempts" = "DigestPost"."attempts" + 1
      WHERE "DigestPost"."state" = 'failed'
        OR ("DigestPost"."state" = 'claimed' AND "DigestPost"."claimedAt" < ${staleBefore})
    RETURNING "id"`;
  if (rows[0]) return { id: rows[0].id };
  const row = await db.digestPost.findUniqueOrThrow({
    where: {
      date_platform_channelId: { date: new Date(`${date}T00:00:00Z`), platform: t.platform, channelId: t.channelId },
    },
    select: { state: true },
  });
  return { state: row.state };
}

/**
 * Posts today's (Europe/London) digest to every target not yet posted today. `digest` lets the caller pass one it
 * built already (the CLI); otherwise it is built only if some channel still needs it.
 */
export async function postDailyDigests(deps: DigestDeps, opts: { digest?: Digest } = {}): Promise<DigestOutcome[]> {
  const now = deps.clock.now();
  const date = londonDate(now);
  const token = randomUUID();
  const outcomes: DigestOutcome[] = [];
  const claimed: (DigestTarget & { rowId: string })[] = [];
  for (const t of digestTargets(deps)) {
    const c = await claim(deps.db, date, t, token, now);
    if ("id" in c) claimed.push({ ...t, rowId: c.id });
    else outcomes.push({ ...t, result: c.state === "posted" ? "already_posted" : "in_progress" });
  }
  if (claimed.length === 0) return outcomes;

  const digest = opts.digest ?? (await buildDigest(deps.db, now));
  let chart: { png: Buffer; altText: string } | undefined;
  try {
    chart = await renderDigestChart(digest);
  } catch (err) {
    // The list is what ART acts on; a chart that cannot be drawn must not hold it back.
    deps.logger.warn({ error: (err as Error).message.slice(0, 200) }, "digest chart not rendered");
  }
  const perPlatform = new Map<Platform, Digest>();
  for (const t of claimed) {
    const mine = { id: t.rowId, claimedBy: token };
    try {
      let linked = perPlatform.get(t.platform);
      if (!linked) {
        linked = await attachThreads(deps.db, digest, t.platform);
        perPlatform.set(t.platform, linked);
      }
      const posted = await deps.chats[t.platform]!.postDigest(t.channelId, linked, chart);
      await deps.db.digestPost.updateMany({
        where: mine,
        data: { state: "posted", messageId: posted.messageId, postedAt: deps.clock.now(), lastError: null },
      });
      outcomes.push({
        platform: t.platform,
        channelId: t.channelId,
        result: "posted",
        messageId: posted.messageId,
        ...(posted.warnings?.length ? { warnings: posted.warnings } : {}),
      });
    } catch (err) {
      const error = (err as Error).message.slice(0, 500);
      await deps.db.digestPost.updateMany({ where: mine, data: { state: "failed", lastError: error } });
      const retryable = err instanceof AppError ? err.retryable : true;
      outcomes.push({ platform: t.platform, channelId: t.channelId, result: "failed", error, retryable });
    }
  }
  for (const o of outcomes) {
    const level = o.result === "failed" || o.warnings ? "warn" : "info";
    deps.logger[level](
      { date, platform: o.platform, channelId: o.channelId, result: o.result, error: o.error, warnings: o.warnings },
      "daily digest",
    );
  }
  return outcomes;
}
