// A local fake of Slack's Web API (the only fake allowed: a vendor's cloud API), which records and checks every
// call, and requests signed exactly as Slack signs them, for the real Bolt receiver.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { birthDateForAge, londonDaysAfter } from "./dates.js";

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** The ts the fake answered with (chat.postMessage). */
  ts?: string;
}

/** A file sent through the external upload flow: announced, its bytes POSTed, then shared (or not). */
export interface FakeUpload {
  fileId: string;
  filename: string;
  length: number;
  altText?: string;
  bytes?: Buffer;
  shared?: { channelId: string; threadTs?: string; title?: string; comment?: string };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  readonly uploads: FakeUpload[] = [];
  readonly rejected: { method: string; error: string }[] = [];
  enforceRateLimit = false;
  /** Answer the next chat call with 429 and this Retry-After (seconds). */
  rateLimitNext?: number;
  /** Which methods `rateLimitNext` applies to (a prefix). */
  rateLimitMethod = "chat.";
  /** Slack user groups and their members, for usergroups.users.list. */
  userGroups: Record<string, string[]> = {};
  /** DM channels opened by conversations.open: channel id -> user id. Posts to a D channel need one. */
  readonly dms = new Map<string, string>();
  private server?: Server;
  private ts = 1_700_000_000_000;
  private lastPost = new Map<string, number>();
  port = 0;
  constructor(readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (d: Buffer) => {
        chunks.push(d);
      });
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const raw = body.toString("utf8");
        const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
        };
        // The upload URL is pre-signed (no token), takes the raw bytes, and must get what was announced.
        const upload = /^\/upload\/(F\w+)$/.exec(req.url ?? "");
        if (upload) {
          const file = this.uploads.find((u) => u.fileId === upload[1]);
          let problem = !file ? "unknown upload" : req.method !== "POST" ? "not a POST" : undefined;
          if (!problem && body.length !== file!.length) problem = `length ${body.length} != announced ${file!.length}`;
          if (!problem && file!.filename.endsWith(".png") && !body.subarray(0, 8).equals(PNG_SIGNATURE))
            problem = "not a PNG";
          if (problem) {
            this.rejected.push({ method: "upload", error: problem });
            return res.writeHead(400).end(problem);
          }
          file!.bytes = body;
          return res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${body.length}`);
        }
        if (req.headers.authorization !== `Bearer ${this.token}`)
          return send(200, { ok: false, error: "invalid_auth" });
        const args = parseArgs(raw, String(req.headers["content-type"]));
        const problem = checkBlocks(args);
        if (problem) {
          this.rejected.push({ method, error: problem });
          return send(200, { ok: false, error: "invalid_blocks", detail: problem });
        }
        if (this.rateLimitNext !== undefined && method.startsWith(this.rateLimitMethod)) {
          const after = this.rateLimitNext;
          this.rateLimitNext = undefined;
          this.rejected.push({ method, error: "ratelimited" });
          return send(429, { ok: false, error: "ratelimited" }, { "retry-after": String(after) });
        }
        if (this.enforceRateLimit && (method === "chat.postMessage" || method === "chat.update")) {
          const channel = String(args.channel);
          const last = this.lastPost.get(channel) ?? 0;
          if (Date.now() - last < 1000) {
            this.rejected.push({ method, error: "ratelimited" });
            return send(429, { ok: false, error: "ratelimited" }, { "retry-after": "1" });
          }
          this.lastPost.set(channel, Date.now());
        }
        // A DM goes to a channel conversations.open returned; a home view to one user, as a "home" view.
        const problemOf = (): string | undefined => {
          if (method === "conversations.open" && !/^U[A-Z0-9]+$/.test(String(args.users ?? "")))
            return "conversations.open needs one user id";
          if (
            method === "chat.postMessage" &&
            String(args.channel).startsWith("D") &&
            !this.dms.has(String(args.channel))
          )
            return "post to a DM channel that was never opened";
          if (method === "views.publish") {
            const view = args.view as { type?: string; blocks?: unknown[] } | undefined;
            if (!/^U[A-Z0-9]+$/.test(String(args.user_id ?? ""))) return "views.publish needs user_id";
            if (view?.type !== "home") return "views.publish needs a home view";
          }
          return undefined;
        };
        const refused = problemOf();
        if (refused) {
          this.rejected.push({ method, error: refused });
          return send(200, { ok: false, error: "invalid_arguments", detail: refused });
        }
        const ts = `${Math.floor(++this.ts / 1000)}.${String(this.ts % 1000).padStart(6, "0")}`;
        this.calls.push({ method, args, at: Date.now(), ts });
        if (method === "chat.postMessage") return send(200, { ok: true, channel: args.channel, ts, message: { ts } });
        if (method === "chat.update") return send(200, { ok: true, channel: args.channel, ts: args.ts });
        if (method === "chat.postEphemeral") return send(200, { ok: true, message_ts: ts });
        if (method === "conversations.open") {
          const channel = `D${String(args.users).slice(1)}`;
          this.dms.set(channel, String(args.users));
          return send(200, { ok: true, channel: { id: channel } });
        }
        if (method === "views.publish") return send(200, { ok: true, view: { id: `V${this.ts}` } });
        if (method === "views.open" || method === "views.update" || method === "views.push")
          return send(200, { ok: true, view: { id: `V${this.ts}` } });
        if (method === "chat.getPermalink")
          return send(200, {
            ok: true,
            channel: args.channel,
            permalink: this.permalinkOf(String(args.channel), String(args.message_ts)),
          });
        if (method === "usergroups.users.list") {
          const users = this.userGroups[String(args.usergroup)];
          return send(200, users ? { ok: true, users } : { ok: false, error: "no_such_subteam" });
        }
        if (method === "files.getUploadURLExternal") {
          const length = Number(args.length);
          if (!args.filename || !Number.isInteger(length) || length <= 0)
            return send(200, { ok: false, error: "invalid_arguments" });
          const fileId = `F${this.ts}`;
          this.uploads.push({
            fileId,
            filename: String(args.filename),
            length,
            ...(args.alt_txt ? { altText: String(args.alt_txt) } : {}),
          });
          return send(200, { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${fileId}`, file_id: fileId });
        }
        if (method === "files.completeUploadExternal") {
          const files = (args.files ?? []) as { id: string; title?: string }[];
          const found = files.map((f) => this.uploads.find((u) => u.fileId === f.id));
          if (!files.length || found.some((u) => !u?.bytes)) return send(200, { ok: false, error: "file_not_found" });
          files.forEach((f, i) => {
            if (args.channel_id) {
              found[i]!.shared = {
                channelId: String(args.channel_id),
                ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
                ...(f.title ? { title: f.title } : {}),
                ...(args.initial_comment ? { comment: String(args.initial_comment) } : {}),
              };
            }
          });
          return send(200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) });
        }
        return send(200, { ok: false, error: "unknown_method" });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Slack's permalink form for a message: https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>. */
  permalinkOf(channel: string, ts: string): string {
    return `https://fake-workspace.slack.com/archives/${channel}/p${ts.replace(".", "")}`;
  }

  of(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  const args: Record<string, unknown> = contentType.includes("json")
    ? JSON.parse(raw || "{}")
    : Object.fromEntries(new URLSearchParams(raw));
  for (const k of ["blocks", "view", "files"]) if (typeof args[k] === "string") args[k] = JSON.parse(args[k] as string);
  return args;
}

/** Slack's own limits: at most 50 blocks, section text at most 3000 characters. */
function checkBlocks(args: Record<string, unknown>): string | undefined {
  const blocks = (args.blocks ?? (args.view as { blocks?: unknown[] } | undefined)?.blocks) as
    | { type: string; text?: { text: string } }[]
    | undefined;
  if (!blocks) return undefined;
  if (blocks.length > (args.view ? 100 : 50)) return `too many blocks: ${blocks.length}`;
  for (const b of blocks)
    if (b.type === "section" && (b.text?.text.length ?? 0) > 3000) return "section text over 3000";
  return undefined;
}

/** A request signed as Slack signs it: v0=HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"). */
export async function signedSlackRequest(
  url: string,
  secret: string,
  body: string,
  opts: { timestamp?: number; signature?: string; json?: boolean } = {},
) {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = opts.signature ?? `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": opts.json ? "application/json" : "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": signature,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text || "{}") as Record<string, unknown> };
}

export const commandBody = (userId: string, command = "/referral") =>
  new URLSearchParams({
    command,
    text: "",
    user_id: userId,
    channel_id: "C_ANY",
    team_id: "T1",
    trigger_id: `trig-${userId}`,
    token: "x",
    response_url: "http://127.0.0.1/unused",
  }).toString();

/** An Events API callback as Slack sends it (JSON), e.g. app_home_opened. */
export const eventBody = (event: Record<string, unknown>) =>
  JSON.stringify({
    token: "x",
    team_id: "T1",
    api_app_id: "A1",
    type: "event_callback",
    event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { event_ts: String(Date.now() / 1000), ...event },
  });

export const payloadBody = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

export const blockAction = (userId: string, actionId: string, value: string) =>
  payloadBody({
    type: "block_actions",
    user: { id: userId },
    team: { id: "T1" },
    api_app_id: "A1",
    token: "x",
    trigger_id: `trig-${actionId}-${userId}`,
    container: { type: "message" },
    channel: { id: "C_REF" },
    actions: [{ type: "button", action_id: actionId, block_id: "b", value, action_ts: String(Date.now() / 1000) }],
  });

export const viewSubmission = (
  userId: string,
  viewId: string,
  callbackId: string,
  values: unknown,
  privateMetadata = "",
) =>
  payloadBody({
    type: "view_submission",
    user: { id: userId },
    team: { id: "T1" },
    api_app_id: "A1",
    token: "x",
    view: {
      id: viewId,
      type: "modal",
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: "h",
    },
  });

let children = 0;
/** The referral modal's state.values for a valid submission (action ids are all "v"). */
export function modalValues(over: Record<string, unknown> = {}) {
  const v = (x: unknown) => ({ v: x });
  return {
    "profile.lotNumber": v({ type: "static_select", selected_option: { value: "2" } }),
    "profile.ageYears": v({ type: "number_input", value: "14" }),
    "profile.gender": v({ type: "static_select", selected_option: { value: "female" } }),
    "profile.needCodes": v({ type: "multi_static_select", selected_options: [{ value: "SEMH" }] }),
    "profile.ehcp": v({ type: "static_select", selected_option: { value: "no" } }),
    "profile.legalStatus": v({ type: "static_select", selected_option: { value: "s31" } }),
    "profile.area": v({ type: "plain_text_input", value: "PE1" }),
    "profile.urgency": v({ type: "static_select", selected_option: { value: "standard" } }),
    "profile.requiredBy": v({ type: "datepicker", selected_date: londonDaysAfter(new Date(), 20) }),
    "profile.summary": v({ type: "plain_text_input", value: "Needs a calm home; loves drawing." }),
    // A child of its own each time (one child, one live referral: the same child again would need a reason).
    "restricted.childName": v({ type: "plain_text_input", value: `Slack Secret Child ${++children}` }),
    "restricted.dateOfBirth": v({ type: "datepicker", selected_date: birthDateForAge(14) }),
    ...over,
  };
}

/** The Slack settings of a service under test that talks to this fake (referrals channel C0REFERRALS). */
export const slackSettings = (slack: FakeSlackApi, signingSecret: string, artUserIds = "UART1") => ({
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.url,
  SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
  SLACK_ART_USER_IDS: artUserIds,
});
