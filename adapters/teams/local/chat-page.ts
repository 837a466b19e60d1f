// The local chat window that plays the Teams client in the demo: a page that shows the referrals channel (cards
// and their threads) and the signed-in person's chat with the bot, renders cards with Microsoft's own Adaptive
// Cards renderer, and turns typing and clicks into real Bot Framework activities posted to the bot.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express from "express";
import type { LocalConnector, LocalUser } from "./connector.js";

/** A titled list in the page's side panel; an item with `href` shows a link (opened in a new tab). */
export interface SidePanelSection {
  title: string;
  items: { text: string; href?: string; linkText?: string }[];
}

export interface ChatPageOptions {
  channel: { id: string; name: string };
  users: (LocalUser & { role: string })[];
  /** Shown above the chat until closed: what the page is and how to try it. Plain text, one string a paragraph. */
  welcome?: { title: string; paragraphs: string[] };
  /** Extra facts for the page's side panel (e.g. the demo's provider inbox). */
  sidePanel?: () => SidePanelSection[];
}

const require = createRequire(import.meta.url);
const RENDERER = join(dirname(require.resolve("adaptivecards/package.json")), "dist", "adaptivecards.min.js");
const PAGE_DIR = join(import.meta.dirname, "page");

export function mountChatPage(app: express.Express, connector: LocalConnector, o: ChatPageOptions): void {
  app.get("/", (_req, res) => res.sendFile(join(PAGE_DIR, "index.html")));
  app.get("/chat.js", (_req, res) => res.type("text/javascript").sendFile(join(PAGE_DIR, "chat.js")));
  app.get("/chat.css", (_req, res) => res.type("text/css").sendFile(join(PAGE_DIR, "chat.css")));
  app.get("/adaptivecards.js", (_req, res) => res.type("text/javascript").sendFile(RENDERER));
  app.get("/favicon.ico", (_req, res) => res.status(204).end());
  app.get("/demo/state", (_req, res) => {
    res.json({
      channel: o.channel,
      users: o.users.map((u) => ({ key: u.aadObjectId, name: u.name, role: u.role })),
      messages: connector.messages,
      welcome: o.welcome ?? null,
      side: o.sidePanel?.() ?? [],
    });
  });
  // Server-sent events: the page re-reads the state when the bot posted or updated something.
  app.get("/demo/events", (req, res) => {
    res.set({ "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
    res.write("retry: 1000\n\n");
    const off = connector.onChange(() => res.write("data: changed\n\n"));
    req.on("close", off);
  });
  app.post("/demo/send", express.json({ limit: "1mb" }), async (req, res) => {
    const { userKey, conversation, activity } = req.body as {
      userKey: string;
      conversation: { id: string; type: "channel" | "personal"; threadId?: string };
      activity: Record<string, unknown>;
    };
    const user = o.users.find((u) => u.aadObjectId === userKey);
    if (!user || !conversation?.id || !activity?.type) {
      res.status(400).json({ error: "userKey, conversation and activity are required" });
      return;
    }
    try {
      const answer = await connector.sendToBot(user, conversation, activity);
      res.status(200).json(answer);
    } catch (err) {
      res.status(502).json({ error: (err as Error).message });
    }
  });
}
