// A local stand-in for Microsoft's side of Teams, for the demo and the tests: the Bot Framework connector the bot
// posts to (/v3/conversations/...), and the Teams client that posts users' activities to the bot's
// /api/messages. It checks what the bot sends (message activities, Adaptive Card attachments, size limit,
// known conversations) and keeps every conversation's messages. Loopback only; no Microsoft account needed.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import express from "express";

export interface StoredMessage {
  id: string;
  /** The base conversation (the channel or the personal chat). */
  conversationId: string;
  /** The root message's id when this is a reply in a channel thread. */
  threadId?: string;
  /** Set for a targeted message: only this user sees it. */
  targetedTo?: string;
  activity: Record<string, unknown>;
  updates: number;
}

export interface ConnectorCall {
  method: string;
  path: string;
  conversationId: string;
  activityId?: string;
  targeted: boolean;
  body: Record<string, unknown>;
  status: number;
}

export interface LocalUser {
  id: string;
  aadObjectId: string;
  name: string;
}

const MAX_ACTIVITY_BYTES = 100_000;

export class LocalConnector {
  readonly messages: StoredMessage[] = [];
  readonly calls: ConnectorCall[] = [];
  /** What the connector refused and why: tests expect none. */
  readonly problems: string[] = [];
  /** 1:1 conversations the bot created (POST /v3/conversations): conversation id -> the member's id. */
  readonly personalChats = new Map<string, string>();
  /** Answers the next N calls with 429 and this Retry-After (seconds). */
  rateLimitNext = 0;
  private server?: Server;
  private seq = 0;
  private listeners = new Set<() => void>();
  url = "";

  constructor(private readonly options: { botUrl?: string; tenantId?: string; botId?: string } = {}) {}

  set botUrl(url: string) {
    this.options.botUrl = url;
  }

  async start(port = 0, host = "127.0.0.1", extra?: (app: express.Express) => void): Promise<void> {
    const app = express();
    app.use(express.json({ limit: "2mb" }));
    extra?.(app);
    app.post("/v3/conversations", (req, res) => this.createConversation(req, res));
    app.post("/v3/conversations/:conversation/activities", (req, res) => this.create(req, res));
    app.put("/v3/conversations/:conversation/activities/:id", (req, res) => this.update(req, res));
    app.use((req, res) => {
      this.problems.push(`unexpected call ${req.method} ${req.path}`);
      res.status(404).json({ error: { code: "NotFound", message: "not served by the local connector" } });
    });
    this.server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error (such as the port in use) to this callback rather than only emitting it.
      const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once("error", reject);
    });
    const addr = this.server.address() as { port: number };
    this.url = `http://${host}:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Called whenever messages change (the demo page's event stream listens). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed() {
    for (const l of this.listeners) l();
  }

  private throttled(res: express.Response): boolean {
    if (this.rateLimitNext <= 0) return false;
    res
      .set("retry-after", String(this.rateLimitNext))
      .status(429)
      .json({ error: { code: "TooManyRequests" } });
    this.rateLimitNext = 0;
    return true;
  }

  private check(activity: Record<string, unknown>): string | undefined {
    if (activity.type !== "message") return `activity type ${String(activity.type)} is not a message`;
    if (Buffer.byteLength(JSON.stringify(activity)) > MAX_ACTIVITY_BYTES) return "activity over 100 KB";
    const attachments = (activity.attachments ?? []) as { contentType?: string; content?: Record<string, unknown> }[];
    if (!activity.text && attachments.length === 0) return "message with neither text nor attachments";
    for (const a of attachments) {
      if (a.contentType !== "application/vnd.microsoft.card.adaptive") return `attachment type ${a.contentType}`;
      if (a.content?.type !== "AdaptiveCard" || typeof a.content.version !== "string") return "not an Adaptive Card";
    }
    return undefined;
  }

  /** A bot opening a 1:1 chat with one person of this tenant (proactive messages); the same person, the same id. */
  private createConversation(req: express.Request, res: express.Response) {
    const body = (req.body ?? {}) as {
      isGroup?: boolean;
      members?: { id?: unknown }[];
      tenantId?: string;
      channelData?: { tenant?: { id?: string } };
    };
    const tenant = this.options.tenantId ?? "local-tenant";
    const member = body.members?.[0]?.id;
    const problem =
      body.isGroup === true
        ? "1:1 conversation asked with isGroup"
        : body.members?.length !== 1 || typeof member !== "string" || !member
          ? "1:1 conversation needs exactly one member with an id"
          : (body.tenantId ?? body.channelData?.tenant?.id) !== tenant
            ? `1:1 conversation for another tenant (${String(body.tenantId ?? body.channelData?.tenant?.id)})`
            : undefined;
    this.calls.push({
      method: "POST",
      path: req.path,
      conversationId: "",
      targeted: false,
      body: req.body,
      status: problem ? 400 : 201,
    });
    if (problem) {
      this.problems.push(problem);
      return void res.status(400).json({ error: { code: "BadArgument", message: problem } });
    }
    const id = `a:dm-${String(member).replace(/^29:/, "")}`;
    this.personalChats.set(id, String(member));
    res.status(201).json({ id });
  }

  private create(req: express.Request, res: express.Response) {
    const full = String(req.params.conversation);
    const [conversationId, thread] = full.split(";messageid=") as [string, string | undefined];
    const targeted = req.query.isTargetedActivity === "true";
    const call: ConnectorCall = {
      method: "POST",
      path: req.path,
      conversationId,
      targeted,
      body: req.body,
      status: 201,
    };
    this.calls.push(call);
    if (this.throttled(res)) {
      call.status = 429;
      return;
    }
    const problem = this.check(req.body);
    if (problem || (thread && !this.messages.some((m) => m.id === thread && m.conversationId === conversationId))) {
      this.problems.push(problem ?? `reply to unknown thread ${thread}`);
      call.status = 400;
      return void res.status(400).json({ error: { code: "BadArgument", message: problem ?? "unknown thread" } });
    }
    const recipient = (req.body.recipient ?? {}) as { id?: string };
    if (targeted && !recipient.id) {
      this.problems.push("targeted message without a recipient");
      call.status = 400;
      return void res.status(400).json({ error: { code: "BadArgument" } });
    }
    const id = `${Date.now()}${String(++this.seq).padStart(4, "0")}`;
    this.messages.push({
      id,
      conversationId,
      ...(thread ? { threadId: thread } : {}),
      ...(targeted ? { targetedTo: recipient.id } : {}),
      activity: req.body,
      updates: 0,
    });
    call.activityId = id;
    res.status(201).json({ id });
    this.changed();
  }

  private update(req: express.Request, res: express.Response) {
    const conversationId = String(req.params.conversation).split(";messageid=")[0]!;
    const id = String(req.params.id);
    const call: ConnectorCall = {
      method: "PUT",
      path: req.path,
      conversationId,
      activityId: id,
      targeted: false,
      body: req.body,
      status: 200,
    };
    this.calls.push(call);
    if (this.throttled(res)) {
      call.status = 429;
      return;
    }
    const stored = this.messages.find((m) => m.id === id && m.conversationId === conversationId);
    const problem = this.check(req.body) ?? (stored ? undefined : `update of unknown message ${id}`);
    if (problem || !stored) {
      this.problems.push(problem ?? "unknown message");
      call.status = problem?.startsWith("update of unknown") ? 404 : 400;
      return void res.status(call.status).json({ error: { code: "BadArgument", message: problem } });
    }
    stored.activity = req.body;
    stored.updates++;
    res.json({ id });
    this.changed();
  }

  /**
   * Posts an activity to the bot as Teams would, from this user in this conversation; returns the bot's answer.
   * `authorization` is the bearer header Microsoft's service would add (tests with credentials mint one).
   */
  async sendToBot(
    user: LocalUser,
    conversation: { id: string; type: "channel" | "personal"; threadId?: string },
    activity: Record<string, unknown>,
    authorization?: string,
  ): Promise<{ status: number; body: unknown }> {
    if (!this.options.botUrl) throw new Error("the connector does not know the bot's URL");
    const conversationId = conversation.threadId
      ? `${conversation.id};messageid=${conversation.threadId}`
      : conversation.id;
    const full = {
      id: randomUUID(),
      channelId: "msteams",
      serviceUrl: this.url,
      timestamp: new Date().toISOString(),
      from: { id: user.id, aadObjectId: user.aadObjectId, name: user.name },
      recipient: { id: this.options.botId ?? "28:referral-bot", name: "Referral bot" },
      conversation: {
        id: conversationId,
        conversationType: conversation.type,
        tenantId: this.options.tenantId ?? "local-tenant",
      },
      channelData: { tenant: { id: this.options.tenantId ?? "local-tenant" } },
      locale: "en-GB",
      ...activity,
    };
    const res = await fetch(`${this.options.botUrl}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(full),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body };
  }

  /** A user clicking an Action.Execute button: the invoke Teams sends, with the card's inputs merged into data. */
  clickExecute(
    user: LocalUser,
    conversation: { id: string; type: "channel" | "personal"; threadId?: string },
    verb: string,
    data: Record<string, unknown>,
    extra: { activity?: Record<string, unknown>; authorization?: string } = {},
  ) {
    return this.sendToBot(
      user,
      conversation,
      {
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
        ...extra.activity,
      },
      extra.authorization,
    );
  }
}
