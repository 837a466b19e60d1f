// The core as a chat adapter sees it (ChatCore): one object per platform, built in the composition root.
import { type ChatCoreDeps, performAction, submitReferral } from "./actions.js";
import type { ChatCore, Platform } from "./port.js";
import { buildThread, loadThreadState } from "./thread-model.js";

export function chatCoreFor<P extends Platform>(deps: ChatCoreDeps): ChatCore<P> {
  return {
    submitReferral: (args) => submitReferral(deps, args),
    performAction: (platform, actor, action) => performAction(deps, platform, actor, action),
    referenceOf: async (id) =>
      (await deps.db.referral.findUniqueOrThrow({ where: { id }, select: { reference: true } })).reference,
    cardOf: async (id) => buildThread(await loadThreadState(deps.db, id)).card,
  };
}
