// A digest the schedule missed: the workers were all down at 08:30, or Redis lost the scheduler's next job. The
// reconciler asks, every pass, whether today's fire time has passed with a channel still without its digest, and
// if so queues one catch-up job for the day (a deterministic id, so once). Posting stays once per day and channel
// through the DigestPost claim, so a catch-up racing a late scheduled run posts nothing twice.
import { CronExpressionParser } from "cron-parser";
import type { ChatPort, Platform } from "../chat/port.js";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import type { Clock } from "../ports.js";
import { digestContract } from "../queue/contracts.js";
import type { JobQueues } from "../queue/queues.js";
import { LONDON, londonDate } from "./london.js";
import { digestTargets } from "./post.js";

/** Leave the scheduled run this long to do its work before calling it missed. */
export const CATCH_UP_AFTER_MS = 5 * 60_000;

export interface CatchUpDeps {
  db: Db;
  clock: Clock;
  queues: JobQueues;
  config: Pick<Config, "DIGEST_CRON" | "DIGEST_SLACK_CHANNEL" | "DIGEST_TEAMS_CHANNEL">;
  chats: Partial<Record<Platform, ChatPort>>;
}

/** Queues today's catch-up digest when it is due and missing; returns whether it did. */
export async function queueMissedDigest(deps: CatchUpDeps): Promise<boolean> {
  const targets = digestTargets(deps);
  if (targets.length === 0) return false;
  const now = deps.clock.now();
  const today = londonDate(now);
  const lastFire = CronExpressionParser.parse(deps.config.DIGEST_CRON, { tz: LONDON, currentDate: now })
    .prev()
    .toDate();
  if (londonDate(lastFire) !== today || now.getTime() - lastFire.getTime() < CATCH_UP_AFTER_MS) return false;
  const posted = await deps.db.digestPost.count({
    where: {
      date: new Date(`${today}T00:00:00Z`),
      state: "posted",
      OR: targets.map((t) => ({ platform: t.platform, channelId: t.channelId })),
    },
  });
  if (posted >= targets.length) return false;
  await deps.queues.add(digestContract, [{ trigger: `catchup-${today}` }], { attempts: 6 });
  return true;
}
