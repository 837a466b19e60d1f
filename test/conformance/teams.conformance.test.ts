import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teamsThreadLink } from "../../adapters/teams/render-digest.js";
import { apiForServiceUrl, mountTeams } from "../../adapters/teams/teams-app.js";
import { TeamsChat } from "../../adapters/teams/teams-chat.js";
import { ChatDirectory } from "../../src/chat/directory.js";
import {
  type ChatAction,
  DUPLICATE_FIELDS,
  type DuplicateAnswers,
  type HomeView,
  type ThreadItem,
} from "../../src/chat/port.js";
import type { Actor } from "../../src/ports.js";
import { capturingLogger, testDb } from "../helpers/env.js";
import {
  cardsOf,
  choicesOf,
  executeActions,
  FakeGraph,
  imagesOf,
  inputIds,
  interpretedText,
  LocalConnector,
  teamsUser,
  visibleText,
} from "../helpers/teams.js";
import {
  type ChatHarness,
  chatPortConformance,
  compareAnswer,
  DUPLICATE_ANSWER,
  sampleCard,
} from "./chat-port-suite.js";

const CHANNEL = "19:conformance@thread.tacv2";
const ART_GROUP = "6a1b5c2d-0000-4000-8000-0000000000a7";
const RAISER_GROUP = "6a1b5c2d-0000-4000-8000-0000000000b8";
// Local mode: loopback service URLs (the local connector) are allowed.
const serviceUrls = { hosts: ["smba.trafficmanager.net"], httpsOnly: false, allowLoopback: true };

interface TeamsExtras {
  connector: LocalConnector;
  /** A TeamsChat that gives approval buttons to these ART members only (Universal Actions refresh). */
  perUserChat(artMembers: string[]): TeamsChat;
  /** What the harness's core answers for a thread's items (the refresh asks for them). */
  setThreadItems(items: ThreadItem[]): void;
}

async function teamsHarness(): Promise<ChatHarness & TeamsExtras> {
  const connector = new LocalConnector();
  await connector.start();
  const graph = new FakeGraph();
  await graph.start();
  // Five members: the fake serves two per page, so the third page holds the one clicking.
  graph.groups = {
    [ART_GROUP]: ["aad-g1", "aad-g2", "aad-g3", "aad-g4", "aad-group-art"],
    [RAISER_GROUP]: ["aad-raiser"],
  };
  const db = testDb();
  const reported: { actor: Actor; action: ChatAction }[] = [];
  const submitted: (DuplicateAnswers | undefined)[] = [];
  let home: (actor: Actor) => HomeView = () => ({ myReferrals: { total: 0, entries: [] } });
  let threadItems: ThreadItem[] = [];
  const web = express();
  const logger = capturingLogger().logger;
  const app = await mountTeams(web, {
    allowUnauthenticated: true,
    serviceUrl: connector.url,
    serviceUrls,
    cloud: { name: "public" },
    auditRefusal: async () => {},
    referralsChannel: CHANNEL,
    artUserIds: ["aad-art"],
    artGroupId: ART_GROUP,
    graphUrl: graph.url,
    seniorUserIds: [],
    raiserUserIds: ["aad-sw"],
    raiserGroupId: RAISER_GROUP,
    logger,
    directory: new ChatDirectory(db, "teams"),
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
      threadItemsOf: async (_p, _thread, keys) => threadItems.filter((i) => keys.includes(i.key)),
      drafts: { save: async () => {}, load: async () => ({}), clear: async () => {} },
    },
  });
  const server: Server = await new Promise((r) => {
    const s = web.listen(0, "127.0.0.1", () => r(s));
  });
  connector.botUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const channel = { id: CHANNEL, type: "channel" as const };
  const inThread = (threadId: string) => connector.messages.filter((m) => m.threadId === threadId);
  return {
    chat: new TeamsChat({
      apiFor: apiForServiceUrl(app, serviceUrls),
      defaultServiceUrl: connector.url,
      directory: new ChatDirectory(db, "teams"),
      serviceUrls,
      tenantId: "local-tenant",
    }),
    channelId: CHANNEL,
    cardText: (messageId) => {
      const m = connector.messages.find((x) => x.id === messageId);
      return m ? visibleText(m) : "";
    },
    threadTexts: (threadId) => inThread(threadId).map(visibleText),
    interpretedTexts: (threadId) => inThread(threadId).map(interpretedText),
    // The connector refuses activities over Teams' 100 KB; Microsoft asks bots to stay within 80 KB, both counted
    // as UTF-16.
    withinLimits: (threadId) =>
      inThread(threadId).every((m) => JSON.stringify(m.activity).length * 2 <= 80_000) && !connector.problems.length,
    interpretedMessage: (messageId) => {
      const m = connector.messages.find((x) => x.id === messageId);
      return m ? interpretedText(m) : "";
    },
    // Without the tenant (a prefix of the link with it): the harness may not have heard from the channel yet.
    threadLink: (ref) => teamsThreadLink(ref),
    // The chart follows the digest as a card in its thread, the image inline as a data URI.
    attachments: (messageId) =>
      connector.messages
        .filter((m) => m.threadId === messageId)
        .flatMap((m) => imagesOf(m))
        .map((img) => ({
          bytes: Buffer.from(img.url.replace(/^data:image\/png;base64,/, ""), "base64"),
          altText: img.altText,
        })),
    privateNotices: (userId) =>
      connector.messages.filter((m) => m.targetedTo === userId).map((m) => String(m.activity.text)),
    rateLimitNext: (s) => {
      connector.rateLimitNext = s;
    },
    askForReferralForm: async (userId) => {
      const before = connector.messages.length;
      const res = await connector.sendToBot(
        teamsUser(userId),
        { id: `a:personal-${userId}`, type: "personal" },
        { type: "message", text: "new referral" },
      );
      if (res.status >= 300) throw new Error(`bot answered ${res.status}`);
      const deadline = Date.now() + 5000;
      while (connector.messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const reply = connector.messages.at(-1);
      if (!reply || connector.messages.length === before) throw new Error("no answer to new referral");
      return cardsOf(reply).length
        ? { form: cardsOf(reply).flatMap(inputIds) }
        : { notice: String(reply.activity.text) };
    },
    openReferralForm: async (userId) => {
      const before = connector.messages.length;
      const res = await connector.sendToBot(
        teamsUser(userId),
        { id: `a:personal-${userId}`, type: "personal" },
        {
          type: "message",
          text: "new referral",
        },
      );
      if (res.status >= 300) throw new Error(`bot answered ${res.status}`);
      const deadline = Date.now() + 5000;
      while (connector.messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const form = connector.messages.at(-1);
      return form ? cardsOf(form).flatMap(inputIds) : [];
    },
    submitDuplicate: async (userId, answers) => {
      const before = submitted.length;
      const res = await connector.clickExecute(
        teamsUser(userId),
        { id: `a:personal-${userId}`, type: "personal" },
        "submit_referral",
        {
          formId: "f0000000-0000-4000-8000-000000000001",
          ...(answers.reason ? { [DUPLICATE_FIELDS.reason]: answers.reason } : {}),
          ...(answers.siblingOf ? { [DUPLICATE_FIELDS.siblingOf]: answers.siblingOf } : {}),
        },
      );
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
      // The invoke answers with the form again, to this person only.
      const card = (res.body as { value: unknown }).value;
      return {
        shown: JSON.stringify(card),
        fields: inputIds(card),
        received: submitted.length > before ? submitted.at(-1) : undefined,
      };
    },
    click: async (userId, action) => {
      const verb = action.type;
      const data =
        "responseId" in action
          ? { responseId: action.responseId }
          : "requestId" in action
            ? { requestId: action.requestId }
            : { referralId: action.referralId };
      const res = await connector.clickExecute(teamsUser(userId), channel, verb, data);
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
    },
    withdraw: async (userId, referralId, reason, text) => {
      // The card as the channel shows it; the Withdraw button unfolds the reason form in place.
      const chat = new TeamsChat({
        apiFor: apiForServiceUrl(app, serviceUrls),
        defaultServiceUrl: connector.url,
        directory: new ChatDirectory(db, "teams"),
        serviceUrls,
      });
      const posted = await chat.postCard(CHANNEL, sampleCard({ referralId }));
      const card = connector.messages.find((m) => m.id === posted.messageId)!;
      const offered = choicesOf(card, "withdraw.reason");
      const res = await connector.clickExecute(teamsUser(userId), channel, "withdraw_referral", {
        referralId,
        "withdraw.reason": reason,
        ...(text ? { "withdraw.text": text } : {}),
      });
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
      return offered;
    },
    compare: async (userId, referralId, sort) => {
      // The card's button and the comparison's sort buttons are the same verb; the card's asks for "cost".
      const res = await connector.clickExecute(teamsUser(userId), channel, "compare_offers", {
        referralId,
        sort: sort ?? "cost",
      });
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
      const body = res.body as { type: string; value: unknown };
      if (body.type !== "application/vnd.microsoft.card.adaptive") return { notice: String(body.value) };
      const approveIds: string[] = [];
      const markdown: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) {
          for (const n of node) walk(n);
          return;
        }
        if (!node || typeof node !== "object") return;
        const o = node as Record<string, unknown>;
        const data = o.data as { verb?: string; responseId?: string } | undefined;
        if (o.type === "Action.Execute" && data?.verb === "approve_offer") approveIds.push(data.responseId ?? "");
        if (o.type === "TextBlock" && typeof o.text === "string") markdown.push(o.text);
        for (const v of Object.values(o)) walk(v);
      };
      walk(body.value);
      return {
        text: JSON.stringify(body.value),
        // TextBlocks read Markdown; RichTextBlock runs never do.
        interpreted: markdown.join("\n"),
        approveIds,
        withinLimits: JSON.stringify(body.value).length * 2 <= 80_000,
      };
    },
    approveInComparison: async (userId, _referralId, responseId) => {
      const res = await connector.clickExecute(teamsUser(userId), channel, "approve_offer", { responseId });
      if (res.status !== 200) throw new Error(`invoke answered ${res.status}`);
    },
    reported,
    connector,
    perUserChat: (artMembers) =>
      new TeamsChat({
        apiFor: apiForServiceUrl(app, serviceUrls),
        defaultServiceUrl: connector.url,
        directory: new ChatDirectory(db, "teams"),
        serviceUrls,
        artMembers: async () => artMembers,
      }),
    setThreadItems: (items) => {
      threadItems = items;
    },
    setHome: (fn) => {
      home = fn;
    },
    openHome: async (userId) => {
      const conversation = `a:personal-${userId}`;
      const before = connector.messages.filter((m) => m.conversationId === conversation).length;
      const res = await connector.sendToBot(
        teamsUser(userId),
        { id: conversation, type: "personal" },
        { type: "message", text: "home" },
      );
      if (res.status >= 300) throw new Error(`bot answered ${res.status}`);
      const deadline = Date.now() + 5000;
      const mine = () => connector.messages.filter((m) => m.conversationId === conversation);
      while (mine().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const reply = mine().at(-1);
      if (!reply || mine().length === before) throw new Error("no home card");
      return {
        text: visibleText(reply),
        interpreted: interpretedText(reply),
        withinLimits: JSON.stringify(reply.activity).length * 2 <= 80_000 && !connector.problems.length,
      };
    },
    directMessages: (userId) =>
      connector.messages
        .filter((m) => {
          const member = connector.personalChats.get(m.conversationId);
          return member === userId || member === `29:${userId}`;
        })
        .map((m) => ({
          text: visibleText(m),
          buttons: executeActions(cardsOf(m)).map((a) => ({
            action: a.verb,
            value: String(a.data.responseId ?? a.data.referralId ?? ""),
          })),
        })),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await connector.stop();
      await graph.stop();
      await db.$disconnect();
    },
  };
}

chatPortConformance("teams", teamsHarness, {
  art: "aad-art",
  other: "aad-sw",
  artGroupMember: "aad-group-art",
  raiserGroupMember: "aad-raiser",
  notRaiser: "aad-nobody",
});

describe("teams: approval buttons per user (Universal Actions refresh with userIds)", () => {
  let h: Awaited<ReturnType<typeof teamsHarness>>;
  beforeAll(async () => {
    // The shared suite's harness (now closed) left where it reached the channel; this harness's connector is new.
    const db = testDb();
    await db.chatConversation.deleteMany({});
    await db.$disconnect();
    h = await teamsHarness();
  });
  afterAll(() => h.close());

  const offer: ThreadItem = {
    kind: "offer",
    key: "response:refresh1",
    responseId: "00000000-0000-4000-8000-0000000000bb",
    providerName: "Rowan Lodge",
    ofstedGrade: "Good",
    weeklyCostGbp: 5200,
    startDate: "2026-12-14",
    needsMet: "Calm home",
    notes: null,
    actionable: true,
  };

  it("posts the card to the channel without Approve, listing the ART members; the refresh gives buttons to ART only", async () => {
    h.setThreadItems([offer]);
    // Both have used the bot, so Teams has told it their conversation ids (29:...).
    await h.openHome("aad-art");
    await h.openHome("aad-sw");
    const chat = h.perUserChat(["aad-art", "aad-nobody-known"]);
    const card = await chat.postCard(CHANNEL, sampleCard());
    const { messageIds } = await chat.replyInThread({ channelId: CHANNEL, threadId: card.threadId }, [offer]);
    const posted = h.connector.messages.find((m) => m.id === messageIds[0])!;
    const content = cardsOf(posted)[0]!;
    // What everyone sees in the channel: the offer, no Approve or Decline.
    expect(visibleText(posted)).toContain("Rowan Lodge");
    expect(executeActions(content.body).map((a) => a.verb)).not.toContain("approve_offer");
    const refresh = content.refresh as { action: { verb: string; data: Record<string, string> }; userIds: string[] };
    expect(refresh.action.verb).toBe("refreshCard");
    // Only ART members the bot knows a conversation id for; at most 60 (Teams' limit).
    expect(refresh.userIds).toEqual(["29:aad-art"]);

    const refreshAs = async (userId: string) => {
      const res = await h.connector.sendToBot(
        teamsUser(userId),
        { id: CHANNEL, type: "channel", threadId: card.threadId },
        {
          type: "invoke",
          name: "adaptiveCard/action",
          value: {
            action: { type: "Action.Execute", verb: refresh.action.verb, data: refresh.action.data },
            trigger: "automatic",
          },
        },
      );
      expect(res.status).toBe(200);
      return (res.body as { value: unknown }).value;
    };
    const forArt = await refreshAs("aad-art");
    expect(executeActions(forArt).map((a) => a.verb)).toEqual(
      expect.arrayContaining(["approve_offer", "decline_offer"]),
    );
    const forOther = await refreshAs("aad-sw");
    expect(JSON.stringify(forOther)).toContain("Rowan Lodge");
    expect(executeActions(forOther).map((a) => a.verb)).not.toContain("approve_offer");
  });

  it("lists at most 60 users, and keeps the buttons for all when it knows no ART member yet", async () => {
    const many = Array.from({ length: 70 }, (_, i) => `aad-many-${i}`);
    for (const id of many.slice(0, 65)) await h.openHome(id);
    h.setThreadItems([offer]);
    const card = await h.perUserChat(many).postCard(CHANNEL, sampleCard());
    const { messageIds } = await h
      .perUserChat(many)
      .replyInThread({ channelId: CHANNEL, threadId: card.threadId }, [offer]);
    const content = cardsOf(h.connector.messages.find((m) => m.id === messageIds[0])!)[0]!;
    expect((content.refresh as { userIds: string[] }).userIds).toHaveLength(60);
    const unknown = await h
      .perUserChat(["aad-never-seen"])
      .replyInThread({ channelId: CHANNEL, threadId: card.threadId }, [offer]);
    const plain = cardsOf(h.connector.messages.find((m) => m.id === unknown.messageIds[0])!)[0]!;
    expect(plain.refresh).toBeUndefined();
    expect(executeActions(plain).map((a) => a.verb)).toContain("approve_offer");
  });
});
