// The core as a chat adapter sees it (ChatCore): one object per platform, built in the composition root.

import { NotFoundError } from "../errors.js";
import { type ChatCoreDeps, performAction, requireId, submitReferral } from "./actions.js";
import { homeOf } from "./home.js";
import type { ChatCore, Platform } from "./port.js";
import { buildThread, loadThreadState } from "./thread-model.js";

/**
 * The core's calls still running. Chat handlers answer the platform first and do the work after (Slack and
 * Teams want an answer within seconds), so at shutdown a clicked approval may still be writing: the web process
 * waits for these (SHUTDOWN_GRACE_MS) before it closes the database, which otherwise waited forever on them.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    work.then(
      () => this.running.delete(work),
      () => this.running.delete(work),
    );
    return work;
  }

  /**
   * Waits until nothing runs, at most `ms`; how many calls were still running then. Work often hands on from one
   * tracked call to the next (a Slack click's dispatch, then the core call its listener makes): after the calls it
   * waited for, it looks again once the calls they started have been tracked.
   */
  async drain(ms: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const out = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, ms);
    });
    while (this.running.size > 0 && !timedOut) {
      await Promise.race([Promise.allSettled([...this.running]), out]);
      await new Promise((r) => setImmediate(r));
    }
    clearTimeout(timer);
    return this.running.size;
  }
}

export function chatCoreFor<P extends Platform>(
  deps: ChatCoreDeps,
  platformOf: P,
  inFlight = new InFlight(),
): ChatCore<P> {
  const core = untracked(deps, platformOf);
  const t =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A) =>
      inFlight.track(f(...args));
  return {
    submitReferral: t(core.submitReferral),
    performAction: t(core.performAction),
    referenceOf: t(core.referenceOf),
    cardOf: t(core.cardOf),
    homeOf: t(core.homeOf),
    threadItemsOf: t(core.threadItemsOf),
    drafts: { save: t(core.drafts.save), load: t(core.drafts.load), clear: t(core.drafts.clear) },
  };
}

function untracked<P extends Platform>(deps: ChatCoreDeps, platformOf: P): ChatCore<P> {
  return {
    submitReferral: (args) => submitReferral(deps, args),
    performAction: (platform, actor, action) => performAction(deps, platform, actor, action),
    referenceOf: async (id) => {
      const found = await deps.db.referral.findUnique({
        where: { id: requireId(id, "referral") },
        select: { reference: true },
      });
      if (!found) throw new NotFoundError("referral");
      return found.reference;
    },
    cardOf: async (id) => {
      const referralId = requireId(id, "referral");
      if (!(await deps.db.referral.count({ where: { id: referralId } }))) throw new NotFoundError("referral");
      return buildThread(await loadThreadState(deps.db, referralId)).card;
    },
    homeOf: (platform, actor) => homeOf(deps, platform, actor),
    threadItemsOf: async (platform, thread, keys) => {
      const link = await deps.db.chatLink.findFirst({
        where: { platform, channelId: thread.channelId, threadId: thread.threadId },
        select: { referralId: true },
      });
      if (!link) throw new NotFoundError("thread");
      const wanted = new Set(keys);
      return buildThread(await loadThreadState(deps.db, link.referralId)).items.filter((i) => wanted.has(i.key));
    },
    drafts: {
      save: async (userId, values) => deps.drafts?.save(platformOf, userId, values),
      load: async (userId) => (deps.drafts ? deps.drafts.load(platformOf, userId) : {}),
      clear: async (userId) => deps.drafts?.clear(platformOf, userId),
    },
  };
}
