import type { Server } from "node:http";
import express from "express";
import { referralModal } from "../../adapters/slack/render-forms.js";
import { mountSlack } from "../../adapters/slack/slack-app.js";
import { SlackChat, slackClient } from "../../adapters/slack/slack-chat.js";
import { type ChatAction, DUPLICATE_FIELDS, type DuplicateAnswers, type HomeView } from "../../src/chat/port.js";
import type { Actor } from "../../src/ports.js";
import { capturingLogger } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import {
  blockAction,
  commandBody,
  eventBody,
  FakeSlackApi,
  payloadBody,
  signedSlackRequest,
  viewSubmission,
} from "../helpers/slack.js";
import {
  type ChatHarness,
  chatPortConformance,
  compareAnswer,
  DUPLICATE_ANSWER,
  sampleCard,
} from "./chat-port-suite.js";

/** The referral modal's block ids: what a form left open with errors still holds. */
const referralModalFields = () =>
  (referralModal().blocks as { block_id?: string }[]).map((b) => b.block_id ?? "").filter(Boolean);

const SECRET = "conformance-signing-secret";
const TOKEN = "xoxb-conformance";
const SLACK_ACTION_IDS: Record<string, string> = { approve_offer: "approve_offer", decline_offer: "decline_offer" };

/** A button clicked inside the open comparison modal (Slack sends the view with it). */
const actionInView = (userId: string, actionId: string, value: string, privateMetadata: string) =>
  payloadBody({
    type: "block_actions",
    user: { id: userId },
    team: { id: "T1" },
    api_app_id: "A1",
    token: "x",
    trigger_id: `trig-${actionId}-${userId}`,
    container: { type: "view", view_id: "VCOMPARE" },
    view: { id: "VCOMPARE", type: "modal", callback_id: "compare_offers", private_metadata: privateMetadata },
    actions: [{ type: "button", action_id: actionId, block_id: "b", value, action_ts: String(Date.now() / 1000) }],
  });

async function slackHarness(): Promise<ChatHarness> {
  const fake = new FakeSlackApi(TOKEN);
  await fake.start();
  fake.userGroups = { S0ART: ["UOTHER", "UGROUPART"], S0RAISE: ["URAISER"] };
  const reported: { actor: Actor; action: ChatAction }[] = [];
  const submitted: (DuplicateAnswers | undefined)[] = [];
  let home: (actor: Actor) => HomeView = () => ({ myReferrals: { total: 0, entries: [] } });
  const web = express();
  mountSlack(web, {
    signingSecret: SECRET,
    botToken: TOKEN,
    apiUrl: fake.url,
    referralsChannel: "C0CONF",
    artUserIds: ["UART"],
    artUserGroupId: "S0ART",
    seniorUserIds: [],
    raiserUserIds: ["USW"],
    raiserUserGroupId: "S0RAISE",
    logger: capturingLogger().logger,
    core: {
      submitReferral: async (args) => {
        submitted.push(args.duplicate);
        return DUPLICATE_ANSWER;
      },
      performAction: async (_p, actor, action) => {
        reported.push({ actor, action });
        return compareAnswer(actor, action) ?? { ok: true, text: "" };
      },
      referenceOf: async () => "R-2026-0042",
      cardOf: async () => sampleCard(),
      homeOf: async (_p, actor) => home(actor),
      threadItemsOf: async () => [],
      drafts: { save: async () => {}, load: async () => ({}), clear: async () => {} },
    },
  });
  const server: Server = await new Promise((r) => {
    const s = web.listen(0, "127.0.0.1", () => r(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`;
  const textOf = (c: { args: Record<string, unknown> }) =>
    `${c.args.text ?? ""} ${JSON.stringify(c.args.blocks ?? [])}`;
  return {
    chat: new SlackChat(slackClient(TOKEN, fake.url)),
    channelId: "C0CONF",
    cardText: (messageId) => {
      const last =
        fake
          .of("chat.update")
          .filter((c) => c.args.ts === messageId)
          .at(-1) ?? fake.of("chat.postMessage").find((c) => c.ts === messageId);
      return last ? textOf(last) : "";
    },
    threadTexts: (threadId) =>
      fake
        .of("chat.postMessage")
        .filter((c) => c.args.thread_ts === threadId)
        .map(textOf),
    interpretedTexts: (threadId) =>
      fake
        .of("chat.postMessage")
        .filter((c) => c.args.thread_ts === threadId)
        .map(textOf),
    withinLimits: (threadId) =>
      fake
        .of("chat.postMessage")
        .filter((c) => c.args.thread_ts === threadId)
        .every((c) => {
          const blocks = (c.args.blocks ?? []) as { text?: { text?: string } }[];
          return blocks.length <= 50 && blocks.every((b) => (b.text?.text?.length ?? 0) <= 3000);
        }),
    privateNotices: (userId) =>
      fake
        .of("chat.postEphemeral")
        .filter((c) => c.args.user === userId)
        .map((c) => String(c.args.text)),
    interpretedMessage: (messageId) => {
      const posted = fake.of("chat.postMessage").find((c) => c.ts === messageId);
      return posted ? textOf(posted) : "";
    },
    threadLink: (ref) => fake.permalinkOf(ref.channelId, ref.threadId),
    attachments: (messageId) =>
      fake.uploads
        .filter((u) => u.bytes && u.shared?.threadTs === messageId)
        .map((u) => ({ bytes: u.bytes!, ...(u.altText ? { altText: u.altText } : {}) })),
    rateLimitNext: (s) => {
      fake.rateLimitNext = s;
    },
    openReferralForm: async (userId) => {
      const before = fake.of("views.open").length;
      await signedSlackRequest(url, SECRET, commandBody(userId));
      await eventually(() => fake.of("views.open").length > before, "form opened");
      const view = fake.of("views.open").at(-1)!.args.view as { blocks: { block_id?: string }[] };
      return view.blocks.map((b) => b.block_id ?? "").filter(Boolean);
    },
    askForReferralForm: async (userId) => {
      const before = fake.of("views.open").length;
      await signedSlackRequest(url, SECRET, commandBody(userId));
      await eventually(() => fake.of("views.open").length > before, "form or notice opened");
      const view = fake.of("views.open").at(-1)!.args.view as {
        callback_id: string;
        blocks: { block_id?: string; text?: { text: string } }[];
      };
      return view.callback_id === "referral_form"
        ? { form: view.blocks.map((b) => b.block_id ?? "").filter(Boolean) }
        : { notice: view.blocks.map((b) => b.text?.text ?? "").join(" ") };
    },
    submitDuplicate: async (userId, answers) => {
      const text = (value: string) => ({ v: { type: "plain_text_input", value } });
      const values = {
        ...(answers.reason ? { [DUPLICATE_FIELDS.reason]: text(answers.reason) } : {}),
        ...(answers.siblingOf ? { [DUPLICATE_FIELDS.siblingOf]: text(answers.siblingOf) } : {}),
      };
      const before = submitted.length;
      const res = await signedSlackRequest(url, SECRET, viewSubmission(userId, "VDUP", "referral_form", values));
      if (res.status !== 200) throw new Error(`submission answered ${res.status}`);
      // The modal stays open as it is (response_action "errors"): its fields are the form's.
      const answer = res.json() as { response_action?: string; errors?: Record<string, string> };
      if (answer.response_action !== "errors") throw new Error(`answered ${res.text}`);
      return {
        shown: Object.values(answer.errors ?? {}).join(" "),
        fields: [...Object.keys(answer.errors ?? {}), ...referralModalFields()],
        received: submitted.length > before ? submitted.at(-1) : undefined,
      };
    },
    click: async (userId, action) => {
      const before = reported.length;
      const value =
        "responseId" in action
          ? action.responseId
          : "referralId" in action
            ? action.referralId
            : "requestId" in action
              ? action.requestId
              : "";
      await signedSlackRequest(url, SECRET, blockAction(userId, SLACK_ACTION_IDS[action.type] ?? action.type, value));
      await eventually(() => reported.length > before, "click reported");
    },
    withdraw: async (userId, referralId, reason, text) => {
      const opened = fake.of("views.open").length;
      await signedSlackRequest(url, SECRET, blockAction(userId, "withdraw_referral", referralId));
      await eventually(() => fake.of("views.open").length > opened, "withdraw form opened");
      const view = fake.of("views.open").at(-1)!.args.view as {
        callback_id: string;
        private_metadata: string;
        blocks: { block_id?: string; element?: { options?: { value: string }[] } }[];
      };
      if (view.callback_id !== "withdraw_form") throw new Error(`opened ${view.callback_id}`);
      const offered = (view.blocks.find((b) => b.block_id === "withdraw.reason")?.element?.options ?? []).map(
        (o) => o.value,
      );
      const before = reported.length;
      const values = {
        "withdraw.reason": { v: { type: "static_select", selected_option: { value: reason } } },
        "withdraw.text": { v: { type: "plain_text_input", value: text ?? null } },
      };
      const res = await signedSlackRequest(
        url,
        SECRET,
        viewSubmission(userId, `VW${before}`, "withdraw_form", values, view.private_metadata),
      );
      if (res.status !== 200) throw new Error(`submission answered ${res.status}`);
      await eventually(() => reported.length > before, "withdrawal reported");
      return offered;
    },
    compare: async (userId, referralId, sort) => {
      const views = () => fake.of("views.open").length + fake.of("views.update").length;
      const [before, notices] = [views(), fake.of("chat.postEphemeral").length];
      const res = await signedSlackRequest(
        url,
        SECRET,
        sort
          ? actionInView(userId, `compare_sort_${sort}`, referralId, `${referralId}:cost`)
          : blockAction(userId, "compare_offers", referralId),
      );
      if (res.status !== 200) throw new Error(`action answered ${res.status}`);
      await eventually(
        () => views() > before || fake.of("chat.postEphemeral").length > notices,
        "comparison or notice shown",
      );
      if (views() === before) return { notice: String(fake.of("chat.postEphemeral").at(-1)!.args.text) };
      const shown = fake.calls.filter((c) => c.method === "views.open" || c.method === "views.update").at(-1)!;
      const view = shown.args.view as { blocks: Record<string, unknown>[] };
      const approveIds = view.blocks.flatMap((b) => {
        const accessory = b.accessory as { action_id?: string; value?: string } | undefined;
        return accessory?.action_id === "approve_offer" ? [accessory.value ?? ""] : [];
      });
      const withinLimits =
        view.blocks.length <= 100 &&
        view.blocks.every((b) => ((b.text as { text?: string } | undefined)?.text?.length ?? 0) <= 3000);
      // Every text in a modal's blocks is mrkdwn or plain text; the mrkdwn is what Slack reads as markup.
      return { text: JSON.stringify(view), interpreted: JSON.stringify(view), approveIds, withinLimits };
    },
    approveInComparison: async (userId, referralId, responseId) => {
      const [before, updates] = [reported.length, fake.of("views.update").length];
      await signedSlackRequest(url, SECRET, actionInView(userId, "approve_offer", responseId, `${referralId}:cost`));
      await eventually(() => reported.length > before, "approval reported");
      // The open comparison is redrawn with the offers as they now are.
      await eventually(() => fake.of("views.update").length > updates, "comparison redrawn");
    },
    reported,
    setHome: (fn) => {
      home = fn;
    },
    openHome: async (userId) => {
      const before = fake.of("views.publish").length;
      const res = await signedSlackRequest(
        url,
        SECRET,
        eventBody({ type: "app_home_opened", user: userId, channel: `D${userId.slice(1)}`, tab: "home" }),
        { json: true },
      );
      if (res.status !== 200) throw new Error(`event answered ${res.status}`);
      await eventually(() => fake.of("views.publish").length > before, "home published");
      const call = fake.of("views.publish").at(-1)!;
      if (call.args.user_id !== userId) throw new Error(`home published for ${String(call.args.user_id)}`);
      const view = call.args.view as { blocks: { text?: { text?: string } }[] };
      const text = JSON.stringify(view.blocks);
      return {
        text,
        interpreted: text,
        withinLimits:
          view.blocks.length <= 100 &&
          view.blocks.every((b) => (b.text?.text?.length ?? 0) <= 3000) &&
          !fake.rejected.some((r) => r.method === "views.publish"),
      };
    },
    directMessages: (userId) =>
      fake
        .of("chat.postMessage")
        .filter((c) => fake.dms.get(String(c.args.channel)) === userId)
        .map((c) => ({
          text: textOf(c),
          buttons: ((c.args.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[])
            .filter((b) => b.type === "actions")
            .flatMap((b) => b.elements ?? [])
            .map((e) => ({ action: String(e.action_id), value: String(e.value) })),
        })),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await fake.stop();
    },
  };
}

chatPortConformance("slack", slackHarness, {
  art: "UART",
  other: "USW",
  artGroupMember: "UGROUPART",
  raiserGroupMember: "URAISER",
  notRaiser: "UNOBODY",
});
