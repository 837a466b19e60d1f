// The core as a chat adapter sees it (ChatCore): one object per platform, built in the composition root.

import { NotFoundError } from "../errors.js";
import { type ChatCoreDeps, performAction, requireId, submitReferral } from "./actions.js";
import { homeOf } from "./home.js";
import type { ChatCore, Platform } from "./port.js";
import { buildThread, loadThreadState } from "./thread-model.js";

export function chatCoreFor<P extends Platform>(deps: ChatCoreDeps, platformOf: P): ChatCore<P> {
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
