// Slack on the service's one Express app: Bolt's receiver at POST /slack/events checks every request's signature
// and timestamp. Commands, clicks, shortcuts, closed modals and events are answered as soon as they pass, before
// Bolt dispatches them (dispatchedAfterAck); the form submission's listener answers it itself, as its validation
// answer must travel in the ack (a fast database transaction). Either way the work comes after the answer.
import { App, ExpressReceiver } from "@slack/bolt";
import type { Express } from "express";
import { InFlight } from "../../src/chat/chat-core.js";
import { Membership } from "../../src/chat/membership.js";
import {
  type ChatAction,
  type ChatCore,
  COMPARE_SORTS,
  type CompareSort,
  NOT_ALLOWED_TO_RAISE,
} from "../../src/chat/port.js";
import type { Logger } from "../../src/logger.js";
import type { Actor } from "../../src/ports.js";
import { AckFirst, dispatchedAfterAck, releasedAtAck } from "./ack-first.js";
import { escapeMrkdwn } from "./escape.js";
import { COMPARE_CALLBACK, compareModal } from "./render-compare.js";
import {
  answerModal,
  answerOf,
  detailsModal,
  duplicateAnswersOf,
  modalErrors,
  modalValuesToInput,
  moreDetailsModal,
  noticeModal,
  publishOf,
  referralModal,
  type ViewState,
  withdrawalOf,
  withdrawModal,
} from "./render-forms.js";
import { SLACK_BODY_LIMIT, slackRequestGuard } from "./request-guard.js";
import { callSlack, SlackChat, slackClient } from "./slack-chat.js";

/** What Slack needs from the core. */
export type SlackCore = ChatCore<"slack">;

export interface SlackOptions {
  signingSecret: string;
  botToken: string;
  apiUrl: string;
  referralsChannel: string;
  artUserIds: string[];
  seniorUserIds: string[];
  /** Slack user groups (S0...) whose members are ART / senior approvers, besides the listed users. */
  artUserGroupId?: string;
  seniorUserGroupId?: string;
  /** Who may raise referrals besides ART (user ids and a user group); none given = anyone in the workspace. */
  raiserUserIds?: string[];
  raiserUserGroupId?: string;
  core: SlackCore;
  logger: Logger;
  /** The longest the work after an ack waits for other requests' acks (ack-first.ts); tests shorten it. */
  ackFirstMaxWaitMs?: number;
  /** The work still running after an answer to Slack, which a stopping process waits for (the core's calls). */
  inFlight?: InFlight;
  /** Whether "publish to all" starts ticked when answering a provider (ANSWERS_PUBLISHED_TO_ALL_DEFAULT). */
  answersPublishedToAllDefault?: boolean;
}

export function mountSlack(web: Express, o: SlackOptions): void {
  // Before Bolt's receiver: future timestamps and oversized bodies are refused unread (request-guard.ts).
  web.use("/slack/events", slackRequestGuard(o.logger));
  // The work after an ack waits for the other requests' acks (ack-first.ts).
  const ackFirst = new AckFirst(o.ackFirstMaxWaitMs);
  web.use("/slack/events", ackFirst.middleware);
  const inFlight = o.inFlight ?? new InFlight();
  // Tracked, as the core's calls are, so that a process stopping meanwhile waits for the work this holds back.
  const acked = (ack: () => Promise<void>) =>
    inFlight.track(
      (async () => {
        await ack();
        await ackFirst.idle();
      })(),
    );
  // What fails in a listener, before its ack (Bolt's error handler) or in its work after the ack (releasedAtAck).
  const failed = (err: Error) => {
    o.logger.error({ error: err.message.slice(0, 300) }, "slack handler failed");
  };
  const receiver = new ExpressReceiver({
    signingSecret: o.signingSecret,
    endpoints: "/slack/events",
    app: web,
    processBeforeResponse: false,
    // Also for bodies sent without a Content-Length (chunked), which the guard cannot see coming.
    bodyLimit: SLACK_BODY_LIMIT,
  });
  const client = slackClient(o.botToken, o.apiUrl);
  // botId/botUserId given and token verification off: Bolt would otherwise call auth.test at boot, so the
  // service could not start while Slack is unreachable (and tests would need the fake before the app).
  const app = new App({
    receiver,
    token: o.botToken,
    botId: "B_REFERRAL_BOT",
    botUserId: "U_REFERRAL_BOT",
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl: o.apiUrl, retryConfig: { retries: 0 } },
  });
  // The receiver hands each checked request to Bolt through this (Bolt's receiver contract: `init` names what
  // it dispatches to), so that most are acked before Bolt's own dispatch (dispatchedAfterAck).
  receiver.init({
    processEvent: dispatchedAfterAck(
      (event) => app.processEvent(event),
      ackFirst,
      failed,
      (work) => inFlight.track(work),
    ),
  } as unknown as App);
  // Listeners registered through these are released at their ack (releasedAtAck), so that Bolt lets go of each
  // request as soon as it is answered, not when the work after the ack is done.
  const released = <F extends (...a: never[]) => void>(register: F): F =>
    ((constraint: unknown, ...listeners: ((args: never) => Promise<void>)[]) =>
      (register as unknown as (...a: unknown[]) => void)(
        constraint,
        ...listeners.map((l) => releasedAtAck(l, failed)),
      )) as unknown as F;
  const on = {
    command: released(app.command.bind(app)),
    shortcut: released(app.shortcut.bind(app)),
    action: released(app.action.bind(app)),
    view: released(app.view.bind(app)),
  };
  const membership = new Membership({
    platform: "slack",
    artUserIds: o.artUserIds,
    seniorUserIds: o.seniorUserIds,
    ...(o.artUserGroupId ? { artGroupId: o.artUserGroupId } : {}),
    ...(o.seniorUserGroupId ? { seniorGroupId: o.seniorUserGroupId } : {}),
    raiserUserIds: o.raiserUserIds ?? [],
    ...(o.raiserUserGroupId ? { raiserGroupId: o.raiserUserGroupId } : {}),
    groupMembers: async (usergroup) =>
      (await callSlack("usergroups.users.list", () => client.usergroups.users.list({ usergroup }))).users ?? [],
    logger: o.logger,
  });
  const actorOf = (userId: string): Promise<Actor> => membership.actorOf(userId);
  // `mrkdwn` is ours; any of the core's words in it (which can quote people or providers) are escaped by the caller.
  const tell = (userId: string, mrkdwn: string) =>
    callSlack("chat.postEphemeral", () =>
      client.chat.postEphemeral({ channel: o.referralsChannel, user: userId, text: mrkdwn }),
    ).catch((err: Error) => o.logger.warn({ error: err.message }, "slack notice failed"));
  // Someone who may not raise referrals gets a short notice in place of the form (a modal: unlike an ephemeral
  // message it needs no channel the bot is in, and works for the global shortcut too).
  const openForm = async (triggerId: string, userId: string) => {
    const view = (await actorOf(userId)).mayRaise
      ? referralModal((await o.core.drafts.load(userId)) as ViewState)
      : noticeModal("New referral", NOT_ALLOWED_TO_RAISE);
    await callSlack("views.open", () => client.views.open({ trigger_id: triggerId, view: view as never }));
  };

  on.command("/referral", async ({ ack, command }) => {
    await acked(ack);
    await openForm(command.trigger_id, command.user_id);
  });
  on.shortcut("new_referral", async ({ ack, shortcut }) => {
    await acked(ack);
    await openForm(shortcut.trigger_id, shortcut.user.id);
  });

  // The long form in two steps: "Next: more details" pushes the standard's questions over the first step; their
  // answers are kept in the person's draft (encrypted, ChatCore.drafts), which also keeps the first step's
  // answers when the form is closed, and joins both steps when it is submitted.
  on.action("referral_more", async ({ ack, body }) => {
    await acked(ack);
    const b = body as { trigger_id: string; user: { id: string }; view?: { state?: { values?: ViewState } } };
    await o.core.drafts.save(b.user.id, b.view?.state?.values ?? {});
    const draft = (await o.core.drafts.load(b.user.id)) as ViewState;
    await callSlack("views.push", () =>
      client.views.push({ trigger_id: b.trigger_id, view: moreDetailsModal(draft) as never }),
    );
  });
  on.view("referral_form_more", async ({ ack, view, body }) => {
    await o.core.drafts.save(body.user.id, view.state.values as ViewState);
    // Back to the first step, which says how many were answered.
    const draft = (await o.core.drafts.load(body.user.id)) as ViewState;
    await acked(ack);
    if (view.root_view_id && view.root_view_id !== view.id)
      await callSlack("views.update", () =>
        client.views.update({ view_id: view.root_view_id!, view: referralModal(draft) as never }),
      ).catch((err: Error) => o.logger.warn({ error: err.message }, "slack form refresh failed"));
  });
  on.view({ callback_id: "referral_form", type: "view_closed" }, async ({ ack, view, body }) => {
    await acked(ack);
    await o.core.drafts.save(body.user.id, view.state.values as ViewState);
  });

  on.view("referral_form", async ({ ack, view, body }) => {
    const draft = (await o.core.drafts.load(body.user.id)) as ViewState;
    const result = await o.core.submitReferral({
      platform: "slack",
      channelId: o.referralsChannel,
      actor: await actorOf(body.user.id),
      input: modalValuesToInput({ ...draft, ...(view.state.values as ViewState) }),
      sourceKey: `slack:view:${view.id}`,
      duplicate: duplicateAnswersOf(view.state.values as ViewState),
    });
    if (!result.ok && "text" in result) {
      await ack({ response_action: "update", view: noticeModal("New referral", result.text) as never });
      return;
    }
    if (!result.ok) {
      // Raising failed as a whole (nothing was saved): the form stays open with the reason, so they can resend.
      const errors = result.error ? { "profile.summary": result.error.slice(0, 150) } : modalErrors(result.fieldErrors);
      await ack({ response_action: "errors", errors });
      return;
    }
    await acked(ack);
    await o.core.drafts.clear(body.user.id);
    const check = result.warnings?.length
      ? `\nPlease check the summary, which every provider sees: ${escapeMrkdwn(result.warnings.join(" "))} If it should not be there, tell ART.`
      : "";
    await tell(
      body.user.id,
      `Referral ${escapeMrkdwn(result.reference)} raised. Its card and thread are in <#${o.referralsChannel}>.${check}`,
    );
  });

  const act = async (userId: string, action: ChatAction) => {
    const result = await o.core.performAction("slack", await actorOf(userId), action);
    if (!result.ok || result.text) await tell(userId, escapeMrkdwn(result.text));
    return result;
  };
  // Compare offers: the modal opens on the card's button and is redrawn in place by its sort buttons, and after an
  // Approve clicked in it (the thread's own approve_offer action, so the same rules apply).
  const comparison = async (userId: string, referralId: string, sort: CompareSort) => {
    const result = await act(userId, { type: "compare_offers", referralId, sort });
    return result.ok ? result.comparison : undefined;
  };
  on.action("compare_offers", async ({ ack, body, action }) => {
    await acked(ack);
    const c = await comparison(body.user.id, (action as { value: string }).value, "cost");
    if (!c) return;
    const triggerId = (body as { trigger_id: string }).trigger_id;
    await callSlack("views.open", () => client.views.open({ trigger_id: triggerId, view: compareModal(c) as never }));
  });
  for (const sort of COMPARE_SORTS) {
    on.action(`compare_sort_${sort}`, async ({ ack, body, action }) => {
      await acked(ack);
      const c = await comparison(body.user.id, (action as { value: string }).value, sort);
      const viewId = (body as { view?: { id: string } }).view?.id;
      if (c && viewId)
        await callSlack("views.update", () => client.views.update({ view_id: viewId, view: compareModal(c) as never }));
    });
  }
  const refreshComparison = async (
    userId: string,
    view: { id: string; callback_id?: string; private_metadata?: string } | undefined,
  ) => {
    if (view?.callback_id !== COMPARE_CALLBACK || !view.private_metadata) return;
    // The modal keeps its referral and order in private_metadata ("<referralId>:<sort>").
    const [referralId = "", sort] = view.private_metadata.split(":");
    const c = await comparison(userId, referralId, sort === "start" ? "start" : "cost");
    if (c)
      await callSlack("views.update", () => client.views.update({ view_id: view.id, view: compareModal(c) as never }));
  };
  for (const [actionId, toAction] of [
    ["approve_offer", (v: string) => ({ type: "approve_offer", responseId: v })],
    ["decline_offer", (v: string) => ({ type: "decline_offer", responseId: v })],
    ["second_approve", (v: string) => ({ type: "second_approval", referralId: v, approve: true })],
    ["second_refuse", (v: string) => ({ type: "second_approval", referralId: v, approve: false })],
    ["release_documents", (v: string) => ({ type: "release_documents", requestId: v })],
    ["document_upload_link", (v: string) => ({ type: "document_upload_link", referralId: v })],
  ] as [string, (v: string) => ChatAction][]) {
    on.action(actionId, async ({ ack, body, action }) => {
      await acked(ack);
      const result = await act(body.user.id, toAction((action as { value: string }).value));
      if (result.ok)
        await refreshComparison(
          body.user.id,
          (body as { view?: { id: string; callback_id?: string; private_metadata?: string } }).view,
        );
    });
  }
  on.action("view_details", async ({ ack, body, action }) => {
    await acked(ack);
    const referralId = (action as { value: string }).value;
    const result = await act(body.user.id, { type: "view_details", referralId });
    if (result.ok && result.details) {
      const reference = await o.core.referenceOf(referralId);
      const triggerId = (body as { trigger_id: string }).trigger_id;
      await callSlack("views.open", () =>
        client.views.open({ trigger_id: triggerId, view: detailsModal(reference, result.details!) as never }),
      );
    }
  });
  on.action("answer_question", async ({ ack, body, action }) => {
    await acked(ack);
    const triggerId = (body as { trigger_id: string }).trigger_id;
    await callSlack("views.open", () =>
      client.views.open({
        trigger_id: triggerId,
        view: answerModal((action as { value: string }).value, o.answersPublishedToAllDefault ?? false) as never,
      }),
    );
  });
  on.view("answer_question_form", async ({ ack, view, body }) => {
    await acked(ack);
    const publishToAll = publishOf(view.state.values as ViewState);
    await act(body.user.id, {
      type: "answer_question",
      responseId: view.private_metadata,
      answer: answerOf(view.state.values as ViewState),
      ...(publishToAll === undefined ? {} : { publishToAll }),
    });
  });
  on.action("withdraw_referral", async ({ ack, body, action }) => {
    await acked(ack);
    const referralId = (action as { value: string }).value;
    const triggerId = (body as { trigger_id: string }).trigger_id;
    const reference = await o.core.referenceOf(referralId);
    await callSlack("views.open", () =>
      client.views.open({ trigger_id: triggerId, view: withdrawModal(referralId, reference) as never }),
    );
  });
  // Answered in the ack (a short transaction): a missing explanation for "Other" keeps the modal open.
  on.view("withdraw_form", async ({ ack, view, body }) => {
    const w = withdrawalOf(view.state.values as ViewState);
    const result = await o.core.performAction("slack", await actorOf(body.user.id), {
      type: "withdraw_referral",
      referralId: view.private_metadata,
      reason: w.reason,
      ...(w.text ? { text: w.text } : {}),
    });
    if (!result.ok && result.code === "validation_failed") {
      await ack({ response_action: "errors", errors: { "withdraw.text": result.text.slice(0, 150) } });
      return;
    }
    await acked(ack);
    if (result.text) await tell(body.user.id, escapeMrkdwn(result.text));
  });
  // The App Home tab, drawn afresh each time the person opens it.
  const chat = new SlackChat(client);
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    const home = await o.core.homeOf("slack", await actorOf(event.user));
    await chat.publishHome(event.user, home);
  });
  app.error(async (err) => failed(err));
}
