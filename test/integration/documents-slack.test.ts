// Documents on request, end to end in Slack: a provider asks from its response link; the thread shows the request
// with Release and "Add a document"; the raiser uploads through the link they alone were given; someone else's
// click is refused; ART releases to that provider only. The provider downloads through its own link (audited);
// another provider's link is refused; the document never travels in an email or webhook body, nor sits in
// PostgreSQL in clear; erasure removes it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { eraseReferral } from "../../src/retention/erase.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, SmtpSink, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import {
  blockAction,
  FakeSlackApi,
  modalValues,
  signedSlackRequest,
  slackSettings,
  viewSubmission,
} from "../helpers/slack.js";

const SECRET = "slack-signing-secret-for-docs";
const TOKEN = "xoxb-docs-token";
const MARKER = "CARE-PLAN-CONTENT-7f3a9c";
const PDF = Buffer.from(`%PDF-1.4\n% ${MARKER}\n1 0 obj << >> endobj\n%%EOF\n`);
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
const smtp = new SmtpSink();
let db: Db;
let config: Config;
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  await smtp.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("docs-slack", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET, "UART1"),
    SMTP_URL: smtp.url,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    CHAT_COALESCE_MS: "200",
  }));
  await ensureLots(db);
  await webhookProviders(db, receivers, { lotNumber: 2, prefix: "d", count: 2, name: (i) => `Docs Home ${i}` });
  const lot = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  await db.provider.create({
    data: {
      name: "Mail Home",
      email: "intake@mail-home.example",
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  service = await startTestService({ config, logger: capturingLogger().logger });
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await receivers.stop();
  await smtp.stop();
});

const ephemeralTo = (user: string) =>
  slack
    .of("chat.postEphemeral")
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));
const lastEphemeral = async (user: string, before: number, what: string) => {
  await eventually(() => ephemeralTo(user).length > before, what);
  return ephemeralTo(user).at(-1)!;
};
const threadBlocks = () =>
  slack
    .of("chat.postMessage")
    .concat(slack.of("chat.update"))
    .filter((c) => c.args.thread_ts || c.args.ts)
    .map((c) => JSON.stringify(c.args.blocks));

describe("documents on request (Slack)", () => {
  it("releases a document to the provider that asked, and to no one else", async () => {
    await signedSlackRequest(events, SECRET, viewSubmission("USW", "VDOC", "referral_form", modalValues()));
    const referral = await eventually(async () => (await db.referral.count()) === 1, "raised").then(() =>
      db.referral.findFirstOrThrow(),
    );
    await eventually(() => receivers.uniqueAccepted().size === 2 && smtp.messages.length === 1, "providers reached");
    const linkOf = (path: string) => String(receivers.accepted.find((a) => a.path === path)!.body.response_url);
    const asker = linkOf("/d0");
    const other = linkOf("/d1");

    // The provider asks from its link (the JSON side; the page's form does the same).
    const asked = await fetch(asker, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "request_documents", kinds: ["care_plan", "nonsense"] }),
    });
    expect(asked.status).toBe(400); // an unknown kind is refused, nothing stored
    const ok = await fetch(asker, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "request_documents", kinds: ["care_plan"] }),
    });
    expect(ok.status).toBe(202);
    const request = await db.documentRequest.findFirstOrThrow();
    await eventually(
      () => threadBlocks().some((b) => b.includes("Docs Home 0 asks for documents") && b.includes("release_documents")),
      "request shown in the thread",
    );
    expect(threadBlocks().find((b) => b.includes("asks for documents"))).toContain("None of these has been added yet");

    // Releasing before anything was added says what to do, and changes nothing.
    let n = ephemeralTo("UART1").length;
    await signedSlackRequest(events, SECRET, blockAction("UART1", "release_documents", request.id));
    expect(await lastEphemeral("UART1", n, "nothing to release")).toMatch(/^Nothing to release yet/);

    // The raiser asks for an upload link: theirs alone, shown only to them.
    n = ephemeralTo("USW").length;
    await signedSlackRequest(events, SECRET, blockAction("USW", "document_upload_link", referral.id));
    const linkText = await lastEphemeral("USW", n, "upload link");
    const uploadUrl = /(http:\/\/127\.0\.0\.1:\d+\/documents\/upload\/[A-Za-z0-9_.-]+)/.exec(linkText)![1]!;
    const page = await fetch(uploadUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'nonce-");
    const upload = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/pdf",
          "x-document-kind": "care_plan",
          "x-requested-with": "referral-bot",
          ...headers,
        },
        body: PDF,
      });
    expect((await upload(`${uploadUrl.slice(0, -3)}abc`)).status).toBe(401); // altered link
    expect((await upload(uploadUrl, { "x-requested-with": "" })).status).toBe(400); // not from the page
    expect((await upload(uploadUrl, { "content-type": "text/html" })).status).toBe(400); // not an allowed type
    const html = Buffer.from("<html><script>alert(1)</script>");
    const disguised = await fetch(uploadUrl, {
      method: "POST",
      headers: {
        "content-type": "application/pdf",
        "x-document-kind": "care_plan",
        "x-requested-with": "referral-bot",
      },
      body: html,
    });
    expect(disguised.status).toBe(400); // says PDF, is not
    expect((await upload(uploadUrl)).status).toBe(201);
    const doc = await db.referralDocument.findFirstOrThrow();
    expect(doc.uploadedBy).toBe("slack:USW");
    // Encrypted at rest: neither the content nor its base64 is in the row.
    expect(doc.contentEnvelope).not.toContain(MARKER);
    expect(doc.contentEnvelope).not.toContain(PDF.toString("base64").slice(0, 40));

    // Someone who is neither ART nor the raiser is refused, and it is recorded.
    n = ephemeralTo("UOTHER").length;
    await signedSlackRequest(events, SECRET, blockAction("UOTHER", "release_documents", request.id));
    expect(await lastEphemeral("UOTHER", n, "refusal")).toMatch(/^Not authorised/);
    expect(await db.auditEvent.count({ where: { action: "refused.document_release" } })).toBe(1);

    // ART releases with one click: to the asking provider only.
    n = ephemeralTo("UART1").length;
    await signedSlackRequest(events, SECRET, blockAction("UART1", "release_documents", request.id));
    expect(await lastEphemeral("UART1", n, "released")).toMatch(
      /^Released 1 document of R-\d{4}-\d{4} to Docs Home 0 only/,
    );
    await eventually(
      () =>
        threadBlocks().some(
          (b) => b.includes("Docs Home 0 asks for documents") && b.includes("Released to this provider"),
        ),
      "thread shows the release",
    );
    await eventually(() => receivers.accepted.some((a) => a.body.type === "referral.documents"), "provider told");
    const told = receivers.accepted.filter((a) => a.body.type === "referral.documents");
    expect(told.map((a) => a.path)).toEqual(["/d0"]);
    expect(String(told[0]!.body.documents)).toMatch(/^Care plan: open your response link to download/);

    // The asking provider's page lists it; the download is the document, named without anyone's name, audited.
    const pageHtml = await (await fetch(asker)).text();
    expect(pageHtml).toContain(`/documents/${doc.id}`);
    const got = await fetch(`${asker}/documents/${doc.id}`);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PDF)).toBe(true);
    expect(got.headers.get("content-disposition")).toBe(`attachment; filename="${referral.reference}-care-plan.pdf"`);
    expect(got.headers.get("cache-control")).toBe("no-store");
    expect(await db.auditEvent.count({ where: { action: "document.downloaded" } })).toBe(1);

    // Another provider's link (and a made-up document id) gets nothing, and its page lists nothing.
    expect((await fetch(`${other}/documents/${doc.id}`)).status).toBe(404);
    expect((await fetch(`${asker}/documents/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect(await (await fetch(other)).text()).not.toContain(`/documents/${doc.id}`);
    expect(await db.auditEvent.count({ where: { action: "document.downloaded" } })).toBe(1);

    // Nothing of the document in any webhook body, any email, or any chat call.
    expect(JSON.stringify(receivers.accepted)).not.toContain(MARKER);
    for (const m of smtp.messages) expect(`${m.text ?? ""}${m.html || ""}`).not.toContain(MARKER);
    expect(JSON.stringify(slack.calls)).not.toContain(MARKER);

    // Erasure takes the bytes: the link then answers 410, and the export has no content.
    await db.$transaction((tx) =>
      eraseReferral(tx, { referralId: referral.id, actor: "test", at: new Date(), trigger: "request", force: true }),
    );
    expect((await db.referralDocument.findFirstOrThrow()).contentEnvelope).toBeNull();
  });
});
