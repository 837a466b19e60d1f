// Teams test helpers: the local connector (the fake of Microsoft's Bot Framework service, which also plays the
// Teams client by posting real activities to /api/messages), users, and reading what the bot posted.
import { createServer, type Server } from "node:http";
import { LocalConnector, type LocalUser, type StoredMessage } from "../../adapters/teams/local/connector.js";
import type { ChatCore } from "../../src/chat/port.js";
import { birthDateForAge, londonDaysAfter } from "./dates.js";

export { LocalConnector };

export const teamsUser = (aadObjectId: string, name = `User ${aadObjectId}`): LocalUser => ({
  id: `29:${aadObjectId}`,
  aadObjectId,
  name,
});

type CardNode = Record<string, unknown>;
function walk(node: unknown, visit: (n: CardNode) => void) {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node && typeof node === "object") {
    visit(node as CardNode);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

export const cardsOf = (m: StoredMessage): CardNode[] =>
  ((m.activity.attachments ?? []) as { content: CardNode }[]).map((a) => a.content);

/** Everything visible in a message: its text and every text of its cards. */
export function visibleText(m: StoredMessage): string {
  // What a person sees or can follow: texts, button titles, labels, and link targets.
  const parts: string[] = [String(m.activity.text ?? "")];
  walk(cardsOf(m), (n) => {
    for (const key of ["text", "title", "label", "placeholder", "url"])
      if (typeof n[key] === "string") parts.push(n[key] as string);
  });
  return parts.join(" ");
}

/** The text Teams would read as Markdown or mentions: TextBlock texts, plain message text, mention entities. */
export function interpretedText(m: StoredMessage): string {
  const parts: string[] = [String(m.activity.text ?? "")];
  walk(cardsOf(m), (n) => {
    if (n.type === "TextBlock" && typeof n.text === "string") parts.push(n.text);
  });
  for (const e of (m.activity.entities ?? []) as { type?: string; text?: string }[])
    if (e.type === "mention") parts.push(`mention:${e.text}`);
  return parts.join(" ");
}

/** Ids of every input on a card. */
export function inputIds(card: unknown): string[] {
  const ids: string[] = [];
  walk(card, (n) => {
    if (typeof n.type === "string" && n.type.startsWith("Input.") && typeof n.id === "string") ids.push(n.id);
  });
  return ids;
}

/** The Action.Execute buttons on a card, with their verbs and data. */
export function executeActions(card: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  const out: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  walk(card, (n) => {
    if (n.type === "Action.Execute")
      out.push({ title: String(n.title), verb: String(n.verb), data: (n.data ?? {}) as Record<string, unknown> });
  });
  return out;
}

let children = 0;
/** A valid referral form as Teams sends it: every input by its id, all strings. */
export const validForm = (over: Record<string, string> = {}) => ({
  "profile.lotNumber": "2",
  "profile.ageYears": "14",
  "profile.gender": "female",
  "profile.needCodes": "SEMH,ASD",
  "profile.ehcp": "no",
  "profile.legalStatus": "s31",
  "profile.area": "PE1",
  "profile.urgency": "standard",
  "profile.requiredBy": londonDaysAfter(new Date(), 20),
  "profile.summary": "Needs a calm home; loves drawing.",
  // A child of its own each time (one child, one live referral: the same child again would need a reason).
  "restricted.childName": `Teams Secret Child ${++children}`,
  "restricted.dateOfBirth": birthDateForAge(14),
  ...over,
});

/** The values offered by a card's Input.ChoiceSet with this id (inside unfolding cards too). */
export function choicesOf(m: StoredMessage, inputId: string): string[] {
  const out: string[] = [];
  walk(cardsOf(m), (n) => {
    if (n.type === "Input.ChoiceSet" && n.id === inputId)
      for (const c of (n.choices ?? []) as { value: string }[]) out.push(c.value);
  });
  return out;
}

/** The images on a message's cards (url and alt text). */
export function imagesOf(m: StoredMessage): { url: string; altText?: string }[] {
  const out: { url: string; altText?: string }[] = [];
  walk(cardsOf(m), (n) => {
    if (n.type === "Image" && typeof n.url === "string")
      out.push({ url: n.url, ...(typeof n.altText === "string" ? { altText: n.altText } : {}) });
  });
  return out;
}

/**
 * A local fake of the one Microsoft Graph call the service makes: an Entra group's transitive user members,
 * served two per page (so paging is exercised). Records the paths asked for.
 */
export class FakeGraph {
  readonly requests: string[] = [];
  groups: Record<string, string[]> = {};
  private server?: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      this.requests.push(url.pathname + url.search);
      const m = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(url.pathname);
      const members = m ? this.groups[decodeURIComponent(m[1]!)] : undefined;
      if (!members || url.searchParams.get("$select") !== "id") {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { code: "Request_ResourceNotFound" } }));
        return;
      }
      const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
      const page = members.slice(skip, skip + 2).map((id) => ({ "@odata.type": "#microsoft.graph.user", id }));
      const next =
        skip + 2 < members.length ? `${this.url}${url.pathname}?$select=id&$skiptoken=${skip + 2}` : undefined;
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ value: page, ...(next ? { "@odata.nextLink": next } : {}) }));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

/** A chat core that only counts how often the Teams adapter reached it (for tests of what never gets that far). */
export function countingTeamsCore(onCall: () => void): ChatCore<"teams"> {
  return {
    submitReferral: async () => {
      onCall();
      return { ok: false, fieldErrors: {} };
    },
    performAction: async () => {
      onCall();
      return { ok: true, text: "" };
    },
    referenceOf: async () => "R",
    cardOf: async () => {
      throw new Error("unused");
    },
    homeOf: async () => {
      onCall();
      return { myReferrals: { total: 0, entries: [] } };
    },
    threadItemsOf: async () => {
      onCall();
      return [];
    },
    drafts: { save: async () => {}, load: async () => ({}), clear: async () => {} },
  };
}

/**
 * A message's card as this person sees it: when the card lists them in `refresh.userIds` (Universal Actions'
 * per-user view), Teams asks the bot for their own card (an adaptiveCard/action invoke) and shows that instead.
 */
export async function asSeenBy(connector: LocalConnector, m: StoredMessage, user: LocalUser): Promise<CardNode> {
  const card = cardsOf(m)[0]!;
  const refresh = card.refresh as { action: { verb: string; data: unknown }; userIds: string[] } | undefined;
  if (!refresh?.userIds.includes(user.id)) return card;
  const res = await connector.sendToBot(
    user,
    { id: m.conversationId, type: "channel", ...(m.threadId ? { threadId: m.threadId } : {}) },
    {
      type: "invoke",
      name: "adaptiveCard/action",
      value: {
        action: { type: "Action.Execute", verb: refresh.action.verb, data: refresh.action.data },
        trigger: "automatic",
      },
    },
  );
  if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
  return (res.body as { value: CardNode }).value;
}

/** The settings that point a service at the local connector, with its referrals channel and ART members. */
export const teamsSettings = (connector: LocalConnector, referralsChannel: string, artUserIds = "aad-art1") => ({
  TEAMS_LOCAL_MODE: "true",
  TEAMS_SERVICE_URL: connector.url,
  TEAMS_REFERRALS_CHANNEL: referralsChannel,
  TEAMS_ART_USER_IDS: artUserIds,
});

/** A person's one-to-one chat with the bot, as a conversation to send activities in. */
export const personal = (u: { aadObjectId: string }) => ({
  id: `a:personal-${u.aadObjectId}`,
  type: "personal" as const,
});

/** What the endpoint answers an invoke (adaptiveCard/action) with. */
export type InvokeAnswer = { statusCode: number; type: string; value: unknown };
