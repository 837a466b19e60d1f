import type { Server } from "node:http";
import express from "express";
import { teamsThreadLink } from "../../adapters/teams/render-digest.js";
import { apiForServiceUrl, mountTeams } from "../../adapters/teams/teams-app.js";
import { TeamsChat } from "../../adapters/teams/teams-chat.js";
import { ChatDirectory } from "../../src/chat/directory.js";
import type { ChatAction } from "../../src/chat/port.js";
import type { Actor } from "../../src/ports.js";
import { capturingLogger, testDb } from "../helpers/env.js";
import {
  cardsOf,
  choicesOf,
  FakeGraph,
  imagesOf,
  inputIds,
  interpretedText,
  LocalConnector,
  teamsUser,
  visibleText,
} from "../helpers/teams.js";
import { type ChatHarness, chatPortConformance, compareAnswer, sampleCard } from "./chat-port-suite.js";

const CHANNEL = "19:conformance@thread.tacv2";
const ART_GROUP = "6a1b5c2d-0000-4000-8000-0000000000a7";
const RAISER_GROUP = "6a1b5c2d-0000-4000-8000-0000000000b8";
// Local mode: loopback service URLs (the local connector) are allowed.
const serviceUrls = { hosts: ["smba.trafficmanager.net"], httpsOnly: false, allowLoopback: true };

async function teamsHarness(): Promise<ChatHarness> {
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
      submitReferral: async () => ({ ok: false, fieldErrors: {} }),
      performAction: async (_p, actor, action) => {
        reported.push({ actor, action });
        return compareAnswer(actor, action) ?? { ok: true, text: "" };
      },
      referenceOf: async () => "R-2026-0042",
      cardOf: async () => sampleCard(),
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
    click: async (userId, action) => {
      const verb = action.type;
      const data = "responseId" in action ? { responseId: action.responseId } : { referralId: action.referralId };
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
