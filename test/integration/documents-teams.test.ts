// Documents on request, end to end in Teams: real Bot Framework invokes to the real endpoint. A provider asks;
// the thread card shows Release and "Add a document"; a case system uploads through the API (its token needs
// referrals:write); ART releases with one click; only the asking provider can download, through its own link.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import {
  cardsOf,
  executeActions,
  type InvokeAnswer,
  LocalConnector,
  personal,
  teamsSettings,
  teamsUser,
  validForm,
  visibleText,
} from "../helpers/teams.js";

const CHANNEL = "19:docs@thread.tacv2";
const WRITER = "case-system-token-0123456789abcdefghij";
const READER = "reports-only-token-0123456789abcdefghij";
const MARKER = "RISK-ASSESSMENT-CONTENT-52e1";
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const socialWorker = teamsUser("aad-sw", "Sam Social Worker");
const art = teamsUser("aad-art1", "Alex ART");
let db: Db;
let config: Config;
let service: Service;

beforeAll(async () => {
  await connector.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("docs-teams", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...teamsSettings(connector, CHANNEL),
    CHAT_COALESCE_MS: "200",
    WEBHOOK_ALLOW_LOOPBACK: "true",
    ART_API_TOKENS: `cms:${WRITER}:referrals:write,reports:${READER}`,
  }));
  await ensureLots(db);
  await webhookProviders(db, receivers, {
    lotNumber: 2,
    prefix: "t",
    count: 2,
    name: (i) => `Teams Docs ${i}`,
    needs: ["SEMH", "ASD"],
  });
  service = await startTestService({ config, logger: capturingLogger().logger });
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
  await receivers.stop();
});

const channel = { id: CHANNEL, type: "channel" as const };

describe("documents on request (Teams)", () => {
  it("releases a document to the provider that asked, and to no one else", async () => {
    await connector.sendToBot(socialWorker, personal(socialWorker), { type: "message", text: "new referral" });
    await eventually(() => connector.messages.some((m) => m.conversationId === personal(socialWorker).id), "form");
    const form = cardsOf(connector.messages.find((m) => m.conversationId === personal(socialWorker).id)!)[0]!;
    const submit = executeActions(form).find((a) => a.verb === "submit_referral")!;
    await connector.clickExecute(socialWorker, personal(socialWorker), "submit_referral", {
      ...submit.data,
      ...validForm(),
    });
    const referral = await db.referral.findFirstOrThrow();
    await eventually(() => receivers.uniqueAccepted().size === 2, "providers reached");
    const linkOf = (path: string) => String(receivers.accepted.find((a) => a.path === path)!.body.response_url);

    const asked = await fetch(linkOf("/t1"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "request_documents", kinds: ["risk_assessment"] }),
    });
    expect(asked.status).toBe(202);
    await eventually(
      () => connector.messages.some((m) => visibleText(m).includes("Teams Docs 1 asks for documents")),
      "request in the thread",
    );
    const requestMessage = connector.messages.find((m) => visibleText(m).includes("Teams Docs 1 asks for documents"))!;
    const release = executeActions(cardsOf(requestMessage)).find((a) => a.verb === "release_documents")!;
    expect(executeActions(cardsOf(requestMessage)).map((a) => a.verb)).toContain("document_upload_link");

    // A case system adds the document through the API: a token without referrals:write is refused.
    const body = Buffer.from(`Risk assessment\n${MARKER}\n`);
    const put = (token: string, kind = "risk_assessment") =>
      fetch(`${service.url}/api/v1/referrals/${referral.reference}/documents?kind=${kind}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
        body,
      });
    expect((await put(READER)).status).toBe(403);
    expect((await put(WRITER, "passport")).status).toBe(400);
    expect((await put(WRITER)).status).toBe(201);
    const doc = await db.referralDocument.findFirstOrThrow();
    expect(doc.uploadedBy).toBe("api:cms");

    // Someone who is neither ART nor the raiser is refused; ART releases with one click.
    const stranger = teamsUser("aad-stranger", "Stan Stranger");
    const refused = await connector.clickExecute(
      stranger,
      { ...channel, threadId: requestMessage.threadId! },
      "release_documents",
      release.data,
    );
    expect(String((refused.body as InvokeAnswer).value)).toMatch(/^Not authorised/);
    const ok = await connector.clickExecute(
      art,
      { ...channel, threadId: requestMessage.threadId! },
      "release_documents",
      release.data,
    );
    expect(String((ok.body as InvokeAnswer).value)).toMatch(/^Released 1 document of .* to Teams Docs 1 only/);
    await eventually(() => visibleText(requestMessage).includes("Released to this provider"), "card redrawn");

    const mine = await fetch(`${linkOf("/t1")}/documents/${doc.id}`);
    expect(mine.status).toBe(200);
    expect(Buffer.from(await mine.arrayBuffer()).equals(body)).toBe(true);
    expect(mine.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await fetch(`${linkOf("/t0")}/documents/${doc.id}`)).status).toBe(404);
    await eventually(() => receivers.accepted.some((a) => a.body.type === "referral.documents"), "provider told");
    expect(receivers.accepted.filter((a) => a.body.type === "referral.documents").map((a) => a.path)).toEqual(["/t1"]);
    expect(JSON.stringify(receivers.accepted)).not.toContain(MARKER);
    expect(JSON.stringify(connector.messages.map((m) => m.activity))).not.toContain(MARKER);
  });
});
